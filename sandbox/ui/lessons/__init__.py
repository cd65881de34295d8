"""Lessons in the window (issue 12): Help ▸ Lessons picks one (``picker``), the lesson panel walks
its steps (``panel``), asks for a prediction (``marker`` on the price chart, or a choice), plays
the session on (``player``) and reveals the engine's answer beside the twins."""
