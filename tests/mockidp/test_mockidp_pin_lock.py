"""Wrong PINs lock a demo card; the lock is persisted and can be reset."""


def wrong_pin_three_times(idp, request, persona_id="sato-masao"):
    idp.choose_card(request, persona_id)
    for _ in range(3):
        assert idp.enter_pin(request, "0000").status_code == 303


def test_wrong_pin_shows_remaining_attempts(idp, oidc):
    request = oidc.AuthRequest()
    idp.choose_card(request, "sato-masao")
    idp.enter_pin(request, "9999")
    page = idp.page(request).get_data(as_text=True)
    assert "あと2回" in page
    assert "2 more wrong attempt" in page


def test_malformed_pin_costs_no_attempt(idp, oidc, app):
    request = oidc.AuthRequest()
    idp.choose_card(request, "sato-masao")
    idp.enter_pin(request, "12a")
    assert app.extensions["mockidp"].store.pin_failures("sato-masao") == 0
    assert "数字4桁" in idp.page(request).get_data(as_text=True)


def test_three_wrong_pins_lock_and_reset_unlocks(idp, oidc):
    request = oidc.AuthRequest()
    wrong_pin_three_times(idp, request)
    page = idp.page(request).get_data(as_text=True)
    assert "ロックされています" in page
    assert "ロックを解除（デモ）" in page
    assert 'name="pin"' not in page

    # The right PIN no longer helps.
    idp.enter_pin(request, "1234")
    assert "同意する" not in idp.page(request).get_data(as_text=True)

    # The card list shows the lock and offers the reset action too.
    idp.post_step(request, "restart")
    listing = idp.page(request).get_data(as_text=True)
    assert "ロック中" in listing and "ロックを解除（デモ）" in listing

    assert idp.unlock(request, "sato-masao").status_code == 303
    assert "ロック中" not in idp.page(request).get_data(as_text=True)
    callback = idp.sign_in(request, "sato-masao")
    assert callback["state"] == request.state


def test_lock_only_affects_that_persona(idp, oidc):
    request = oidc.AuthRequest()
    wrong_pin_three_times(idp, request, "sato-masao")
    idp.post_step(request, "restart")
    assert "code" in idp.sign_in(request, "yamada-hanako")


def test_lock_survives_restart_and_is_shared_between_processes(make_app, oidc):
    first = oidc.IdPDriver(make_app().test_client())
    request = oidc.AuthRequest()
    wrong_pin_three_times(first, request)

    # A new app instance on the same data dir stands for a restart or a second worker.
    second = oidc.IdPDriver(make_app().test_client())
    other_request = oidc.AuthRequest()
    second.choose_card(other_request, "sato-masao")
    page = second.page(other_request).get_data(as_text=True)
    assert "ロックされています" in page

    second.unlock(other_request, "sato-masao")
    assert "ロックされています" not in first.page(request).get_data(as_text=True)


def test_correct_pin_resets_the_failure_count(idp, oidc, app):
    request = oidc.AuthRequest()
    idp.choose_card(request, "ito-misaki")
    idp.enter_pin(request, "0000")
    idp.enter_pin(request, "0000")
    idp.enter_pin(request, "1234")
    assert app.extensions["mockidp"].store.pin_failures("ito-misaki") == 0
