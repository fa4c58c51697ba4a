"""Growing past one machine (issue #15): the PostgreSQL instance template, a throwaway local server, ``make scale``."""
