"""A device publishing QoS 1 uplinks with Paho (Debian's python3-paho-mqtt 1.6), for the crash tests.

Usage: paho-publisher.py HOST PORT CLIENT_ID PASSWORD TOPIC WINDOW

Publishes "<CLIENT_ID>-<n>" for n = 1, 2, ... with at most WINDOW unacknowledged, on an
MQTT 3.1.1 persistent session (clean session 0) that Paho reconnects and resends on
(with DUP) after the server goes away. Prints "ack <payload>" for every PUBACK. A line
"stop" on stdin stops publishing; once every publish is acknowledged it prints "done",
disconnects and exits. The end of stdin without "stop" ends it at once.
"""

import os
import queue
import sys
import threading

import paho.mqtt.client as mqtt

host, port, client_id, password, topic, window = sys.argv[1:7]
window = int(window)

client = mqtt.Client(client_id=client_id, clean_session=False, protocol=mqtt.MQTTv311)
client.username_pw_set(client_id, password)
client.max_inflight_messages_set(window)
client.reconnect_delay_set(min_delay=0.1, max_delay=0.5)

# Acknowledged packet ids, handed from Paho's thread to the main one: the callback runs
# under Paho's own lock, which publish() also takes, so it must not wait for ours.
acked = queue.Queue()
client.on_publish = lambda _client, _userdata, mid: acked.put(mid)

stopping = threading.Event()


def read_commands():
    for line in sys.stdin:
        if line.strip() == "stop":
            stopping.set()
            return
    # The test went away without a word: so do we.
    os._exit(1)


threading.Thread(target=read_commands, daemon=True).start()
client.connect_async(host, int(port), keepalive=10)
client.loop_start()

pending = {}
sent = 0


def drain(timeout):
    try:
        mid = acked.get(timeout=timeout)
    except queue.Empty:
        return
    while True:
        payload = pending.pop(mid, None)
        if payload is not None:
            print("ack", payload, flush=True)
        try:
            mid = acked.get_nowait()
        except queue.Empty:
            return


while not stopping.is_set():
    if len(pending) >= window:
        drain(0.05)
        continue
    sent += 1
    payload = f"{client_id}-{sent}"
    # Queued by Paho while disconnected, sent (or resent) once connected again.
    info = client.publish(topic, payload, qos=1)
    pending[info.mid] = payload
    drain(0)

while pending:
    drain(0.05)
print("done", flush=True)
client.disconnect()
client.loop_stop()
