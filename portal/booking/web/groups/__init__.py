"""Registered groups (団体登録): the resident's pages (on the ``booking`` blueprint) and the staff's review
(``booking_groups``)."""
