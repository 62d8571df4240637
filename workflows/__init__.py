"""The rules of Casework, free of I/O: who may do what, and how a case moves."""
