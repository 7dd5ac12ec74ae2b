"""Job handlers of the webhooks domain; imported by the worker so they register."""
