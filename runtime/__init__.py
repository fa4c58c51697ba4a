"""The machinery every package shares while a command runs: progress on stderr (``progress``), stopping at a
safe point on a signal (``stopping``), disk-full and I/O errors named precisely (``disk``), and files written
atomically with their modes (``files``), and the garbage collector paused while libraries are imported
(``collection``). Imports nothing of xhs.
"""
