"""Evaluation of Dual-Use Desk through the same public interfaces the channels use."""
