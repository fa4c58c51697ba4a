"""The machinery every package shares while a command runs: progress on stderr (``progress``), stopping at a
safe point on a signal (``stopping``), disk-full and I/O errors named precisely (``disk``), and files written
atomically with their modes (``files``). Imports nothing of xhs.
"""
