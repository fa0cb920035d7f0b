"""Measurement scripts, and the live-stack helpers the browser tests share.

Run them as modules from the project root: python -m scripts.NAME.
"""
