"""The built-in provider simulator (6.8.5): a test environment that changes nothing in production.

A channel in *sandbox* mode sends to this simulator instead of Meta or Telegram. The simulator
is one shared service hosted by the platform itself on the public host (`/sandbox/whatsapp/…`,
`/sandbox/telegram/…`, docs/adr/0041-provider-simulator.md):

- `providers`: the provider APIs the outbox calls, answered by the same simulator classes the
  adapter tests use (`channels.providers.*.simulator`), with the channel's real credentials;
- `state`: what the simulator remembers (files, counters, transcripts), in Redis, so every web
  process sees the same;
- `courier`: the delivery statuses (sent, delivered, read) the simulated WhatsApp posts back,
  signed, to the platform's public webhook, as Meta would;
- `citizen`: acting as a citizen: signed webhooks posted over HTTP to the public intake, the
  exact path a real provider takes (the simulator page and `manage.py simulate` use it);
- `transport`: the same simulator in-process, for calls made before the web server is up.
"""
