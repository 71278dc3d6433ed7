"""The events' periodic tasks: the waiting list's offers, the day-before reminders, the payment deadlines and
the lotteries."""
from __future__ import annotations

from huey import crontab

from portal import db
from portal.clock import now
from portal.events import registration, reminders
from portal.tasks.queue import periodic


@periodic(crontab(minute="*"))
def waiting_list_offers() -> None:
    """Offers not taken in time lapse and their seats go to the next person waiting."""
    session = db.session()
    registration.lapse_offers(session, now=now())
    session.commit()


@periodic(crontab(minute="*"))
def event_reminders() -> None:
    reminders.send_due(db.session(), now())


@periodic(crontab(minute="*"))
def event_payment_deadlines() -> None:
    """Seats whose fee was not paid by its deadline go back, and the waiting list is offered them."""
    from portal.events import follow_up

    session = db.session()
    follow_up.lapse_unpaid(session, now=now())
    session.commit()


@periodic(crontab(minute="*"))
def event_lottery() -> None:
    """Lottery moments are on the minute: commit the seed of every lottery whose applications closed, draw the due."""
    from portal.events import lottery

    lottery.run_due(db.session(), now())
