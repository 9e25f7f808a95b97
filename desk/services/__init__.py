"""Every write of the desk, by concern:

- `inbound`: processing a stored webhook event (contact, conversation, message, metering);
- `statuses`: delivery statuses, applied monotonically;
- `outbound`: `message_send`, the 24-hour window rules;
- `outbox`: the worker side of sending (lease, provider call, retries);
- `media`: inbound media download and storage;
- `contacts`, `conversations`, `teams`: the records the pipeline creates;
- `locks`: every advisory lock the pipeline takes, in one place.
"""
