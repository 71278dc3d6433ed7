"""Finding events: the list's filters and badges, the month calendar, an event's page in each state, and hostile
query values answered without an error."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.events.models import EventDraw
from tests.integration.events_factory import NOW, PAID, make_event


@pytest.fixture
def client(app, db):
    app.extensions["clock"] = lambda: NOW
    yield app.test_client()
    app.extensions.pop("clock", None)


def page(client, query: str = "", municipality: str = "ichinomiya") -> str:
    response = client.get(f"/{municipality}/events{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def badges(html: str) -> list[str]:
    return re.findall(r'class="slot-status slot-status--[a-z_]+">([^<]+)<', html)


def test_only_published_events_of_the_municipality_are_listed(client, db):
    make_event(db, slug="smartphone", title="スマホ教室")
    make_event(db, slug="draft-one", title="下書きの講座", status="draft")
    make_event(db, slug="anjo-one", title="安城の講座", municipality="anjo")
    html = page(client)
    assert "スマホ教室" in html and "下書きの講座" not in html and "安城の講座" not in html
    assert "安城の講座" in page(client, municipality="anjo")


def test_a_card_says_when_where_for_whom_how_much_and_how(client, db):
    make_event(db, (10,), title="料理教室", participant_types=PAID, venue_name="中央公民館", category="course",
               target_tags=["parents_children"], allocation="first_come")
    html = page(client)
    assert "12月20日（日） 10:00〜12:00" in html
    assert "中央公民館" in html and "親子" in html and "講座・教室" in html
    assert "600円〜" in html and "先着順" in html and "受付中" in html and "空きあり" in html


@pytest.mark.parametrize(("capacity", "taken", "waitlist", "badge"), [
    (10, 0, True, "空きあり"),
    (10, 8, True, "残りわずか"),
    (30, 24, True, "残りわずか"),
    (10, 10, True, "満席 — キャンセル待ち可"),
    (10, 10, False, "満席"),
])
def test_seat_badges(client, db, capacity, taken, waitlist, badge):
    make_event(db, (capacity,), taken=taken, waitlist=waitlist)
    assert badges(page(client)) == [badge]


def test_filters_by_category_target_fee_and_state(client, db):
    make_event(db, slug="free-ict", title="無料のスマホ教室", category="ict", target_tags=["elderly"])
    make_event(db, slug="paid-course", title="有料の料理教室", category="course", participant_types=PAID,
               target_tags=["parents_children"])
    make_event(db, slug="lottery", title="抽選の子育て講座", category="childcare", allocation="lottery")
    make_event(db, slug="later", title="受付前の防災訓練", category="disaster", opens_at=NOW + timedelta(days=3))
    make_event(db, slug="closed", title="締切の文化講座", category="culture", closes_at=NOW - timedelta(hours=1))
    make_event(db, slug="full", title="満席の講座", category="other", taken=10)

    def titles(query):
        html = page(client, query)
        return {t for t in ("無料のスマホ教室", "有料の料理教室", "抽選の子育て講座", "受付前の防災訓練",
                            "締切の文化講座", "満席の講座") if t in html}

    assert titles("?category=ict") == {"無料のスマホ教室"}
    assert titles("?target=elderly") == {"無料のスマホ教室"}
    assert titles("?target=parents_children") == {"有料の料理教室"}
    assert titles("?fee=paid") == {"有料の料理教室"}
    assert "有料の料理教室" not in titles("?fee=free")
    assert titles("?state=lottery") == {"抽選の子育て講座"}
    assert titles("?state=upcoming") == {"受付前の防災訓練"}
    assert titles("?state=closed") == {"締切の文化講座"}
    assert titles("?state=available") == {"無料のスマホ教室", "有料の料理教室"}
    assert len(titles("")) == 6
    # unknown values are no filter at all
    assert len(titles("?category=nope&target=%00&fee=x&state=drop+table")) == 6


def test_filters_by_date_range_in_tokyo_days(client, db):
    make_event(db, (5, 5), slug="two-weeks", title="二回の講座", session_mode="choice")   # 20 and 27 December
    make_event(db, slug="one", title="一回の講座")                                       # 20 December
    assert "二回の講座" in page(client, "?from=2026-12-27&to=2026-12-27")
    assert "一回の講座" not in page(client, "?from=2026-12-27&to=2026-12-27")
    html = page(client, "?from=2026-12-20&to=2026-12-20")
    assert "二回の講座" in html and "一回の講座" in html
    assert "条件に合うイベントはありません" in page(client, "?from=2027-01-01")
    # the wrong way round is read the right way round
    assert "一回の講座" in page(client, "?from=2026-12-21&to=2026-12-19")


def test_past_events_leave_the_default_list(client, db):
    past = make_event(db, slug="past", title="終わった講座", opens_at=NOW - timedelta(days=60),
                      closes_at=NOW - timedelta(days=40))
    past.sessions[0].starts_at, past.sessions[0].ends_at = NOW - timedelta(days=30), NOW - timedelta(days=30, hours=-2)
    db.commit()
    make_event(db, slug="now", title="これからの講座")
    html = page(client)
    assert "これからの講座" in html and "終わった講座" not in html
    assert "終わった講座" in page(client, "?from=2026-10-01")


def test_english_titles_in_english(client, db):
    make_event(db, title="スマホ教室", title_en="Smartphone class")
    english = client.get("/ichinomiya/events?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "Smartphone class" in english and "Sun 20 Dec 10:00–12:00" in english


def test_the_list_pages_through_many_events(client, db):
    for i in range(25):
        make_event(db, slug=f"e{i:02d}", title=f"講座{i:02d}番")
    first, second = page(client), page(client, "?page=2")
    assert "講座00番" in first and "講座19番" in first and "講座20番" not in first
    assert "講座20番" in second and "講座24番" in second and "講座00番" not in second
    assert "講座24番" in page(client, "?page=999")


def test_the_month_calendar_counts_events_per_day_and_lists_a_chosen_day(client, db):
    make_event(db, (5, 5, 5), slug="series", title="全3回の子育て講座", session_mode="series",
               category="childcare")  # 20, 27 Dec, 3 Jan
    make_event(db, slug="one", title="一回の講座", category="ict")                                # 20 Dec
    html = page(client, "?view=calendar&month=2026-12")
    assert "2026年12月" in html
    assert re.search(r'day=2026-12-20#day"[^>]*>\s*<span class="month-grid__num">20</span>\s*'
                     r'<span class="month-grid__mark" aria-hidden="true">2</span>', html)
    assert "day=2026-12-27#day" in html and "day=2027-01-03" not in html and "全3回の子育て講座" not in html
    chosen = page(client, "?view=calendar&month=2026-12&day=2026-12-27")
    assert "12月27日（日）" in chosen and "全3回の子育て講座" in chosen and "一回の講座" not in chosen
    january = page(client, "?view=calendar&month=2027-01")
    assert "day=2027-01-03#day" in january and "day=2026-12-20" not in january
    # the filters apply to the calendar too
    assert "day=2026-12-27" not in page(client, "?view=calendar&month=2026-12&category=ict")
    # the default month is the current one (December 2026); a day outside the month is ignored
    assert "2026年12月" in page(client, "?view=calendar")
    assert "全3回の子育て講座" not in page(client, "?view=calendar&month=2026-12&day=2027-01-03")
    assert "この月に条件に合うイベントはありません" in page(client, "?view=calendar&month=2027-03")


@pytest.mark.parametrize("query", [
    "?view=calendar&month=0001-01", "?view=calendar&month=9999-12", "?view=calendar&month=2199-12",
    "?view=calendar&month=1900-01", "?view=calendar&month=garbage", "?from=0001-01-01&to=9999-12-31",
    "?from=2026-02-30", "?page=-1", "?page=99999999999999999999", "?page=%C2%B2", "?month=%00", "?view=%00",
    "?category=%00&state=%ff", "?view=calendar&day=0001-01-01", "?view=calendar&month=2026-12&day=%00",
    "?view=calendar&month=2199-12&day=2199-12-31", "?fee=free&page=999",
])
def test_hostile_query_values_are_ignored(client, db, query):
    make_event(db)
    assert client.get(f"/ichinomiya/events{query}").status_code == 200


def detail(client, slug: str = "smartphone", query: str = "") -> str:
    response = client.get(f"/ichinomiya/events/{slug}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_open_event_page_says_everything_and_links_to_apply(client, db):
    make_event(db, (10, 8), session_mode="series", participant_types=PAID, max_party=3, allocation="lottery",
               eligibility=[{"kind": "age", "minimum": 65, "subject": "applicant"},
                            {"kind": "grade", "first": 1, "last": 6, "subject": "children"}],
               description="スマートフォンの使い方を学びます。", venue_name="一宮市役所",
               venue_address="一宮市本町2-5-6",
               latitude=35.3034, longitude=136.8031, what_to_bring="スマートフォン", accessibility="エレベーターあり",
               department="高年福祉課", contact="0586-28-9000", audience="residents")
    html = detail(client)
    for text in ("スマートフォンの使い方を学びます。", "第1回", "第2回", "全2回", "一宮市役所", "一宮市本町2-5-6",
                 "openstreetmap.org/?mlat=35.303400", "申込者本人が65歳以上", "参加するお子さんが小学生",
                 "本人を含めて3人まで", "1,200円", "600円", "受付開始", "締切", "申込多数の場合は抽選",
                 "キャンセル待ち", "24時間", "持ち物", "スマートフォン", "エレベーターあり", "高年福祉課",
                 "0586-28-9000", "市内にお住まいの方"):
        assert text in html, text
    assert 'href="/ichinomiya/events/smartphone/apply"' in html


def test_before_the_window_the_page_says_when_it_opens_and_has_no_apply_button(client, db):
    make_event(db, opens_at=NOW + timedelta(days=2))
    html = detail(client)
    assert "受付前です" in html and "/apply" not in html
    assert "12月4日(金) 10:00" in html


def test_after_the_close_the_page_says_closed_and_links_the_draw_record(client, db):
    event = make_event(db, allocation="lottery", closes_at=NOW - timedelta(hours=1))
    html = detail(client)
    assert "受付は締め切りました" in html and "/apply" not in html and "/draw" not in html
    assert "定員10人" in html and "残り" not in html and not badges(html)
    assert badges(page(client, "?state=closed")) == ["受付終了"]
    db.add(EventDraw(event_id=event.id, status="drawn", drawn_at=NOW))
    db.commit()
    assert 'href="/ichinomiya/events/smartphone/draw"' in detail(client)


def test_seat_state_per_session(client, db):
    make_event(db, (10, 10), session_mode="choice", taken=10)
    html = detail(client)
    assert "満席 — キャンセル待ち可" in html and "残り0席 / 定員10人" in html


def test_unpublished_other_municipality_and_unknown_slugs_are_not_found(client, db):
    make_event(db, slug="draft", status="draft")
    make_event(db, slug="anjo", municipality="anjo")
    for slug in ("draft", "anjo", "nothing", "%00"):
        assert client.get(f"/ichinomiya/events/{slug}").status_code == 404


def test_a_cancelled_event_says_so_without_an_apply_button(client, db):
    make_event(db, status="cancelled")
    html = detail(client)
    assert "中止になりました" in html and "/apply" not in html


def count_queries(app, client, path: str) -> int:
    from sqlalchemy import event as sa_event

    engine = app.extensions["db_engine"]
    seen = []

    def note(*args):
        seen.append(args[2])

    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)
    return len(seen)


@pytest.mark.parametrize("query", ["", "?fee=free", "?view=calendar&month=2026-12"])
def test_the_number_of_queries_does_not_grow_with_the_events(app, client, db, query):
    for i in range(3):
        make_event(db, (5, 5), slug=f"a{i}", session_mode="choice")
    client.get(f"/ichinomiya/events{query}")   # the municipality is cached from the first request on
    few = count_queries(app, client, f"/ichinomiya/events{query}")
    for i in range(30):
        make_event(db, (5, 5), slug=f"b{i}", session_mode="series")
    assert count_queries(app, client, f"/ichinomiya/events{query}") == few
