"""The pure core of facility booking: plain data in, plain data out — no Flask, no database session."""
