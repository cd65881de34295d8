"""Resting orders in the window: what changed each frame (``changes``), the commands a person's
gestures become (``commands``), the take-profit and stop-loss a ticket attaches to a lot that
is not open yet (``attached``), and the Orders tab (``model``, ``panel``)."""
