"""How booking reads: labels and date/slot texts, shared by services (emails, CSV) and pages."""
