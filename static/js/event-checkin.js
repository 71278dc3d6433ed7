/*
 * Event check-in (受付) on a staff phone, as progressive enhancement of a page that works without it:
 * - where the browser has BarcodeDetector and a camera, a button reads the ticket's QR code and posts its
 *   token in the 受付番号 field of the same form (the server resolves and checks it);
 * - the counts (来場 / 申込) are refreshed from the page's JSON endpoint every few seconds, so two phones at
 *   the door see each other's check-ins.
 */
(function () {
  "use strict";

  var POLL_MS = 10000;
  var SCAN_MS = 250;

  function startCounts() {
    var box = document.querySelector("[data-counts-url]");
    if (!box || !window.fetch) {
      return;
    }
    var url = box.getAttribute("data-counts-url");
    function refresh() {
      if (document.hidden) {
        return;
      }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (counts) {
          if (!counts) {
            return;
          }
          var cells = box.querySelectorAll("[data-count]");
          for (var i = 0; i < cells.length; i++) {
            var key = cells[i].getAttribute("data-count");
            if (typeof counts[key] === "number" && cells[i].textContent !== String(counts[key])) {
              cells[i].textContent = String(counts[key]);
            }
          }
        })
        .catch(function () { /* offline for a moment: the next round tries again */ });
    }
    window.setInterval(refresh, POLL_MS);
    document.addEventListener("visibilitychange", refresh);
  }

  function startCamera() {
    var form = document.querySelector("[data-checkin-form]");
    if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return;
    }
    var button = form.querySelector("[data-camera]");
    var area = form.querySelector("[data-camera-area]");
    var video = form.querySelector("[data-camera-video]");
    var status = form.querySelector("[data-camera-status]");
    var stop = form.querySelector("[data-camera-stop]");
    var field = form.querySelector("input[name=code]");
    var stream = null;
    var timer = null;
    var detector;

    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") === -1) {
        return;
      }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      button.hidden = false;
    }).catch(function () { /* no detector: typing stays */ });

    function halt() {
      if (timer) {
        window.clearTimeout(timer);
        timer = null;
      }
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.srcObject = null;
      area.hidden = true;
      button.hidden = false;
    }

    function scan() {
      detector.detect(video).then(function (codes) {
        var found = codes.length ? codes[0].rawValue : "";
        if (found) {
          field.value = found;
          halt();
          form.submit();
          return;
        }
        timer = window.setTimeout(scan, SCAN_MS);
      }).catch(function () {
        timer = window.setTimeout(scan, SCAN_MS);
      });
    }

    button.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.hidden = false;
          status.textContent = status.getAttribute("data-aim") || status.textContent;
          video.srcObject = media;
          area.hidden = false;
          button.hidden = true;
          return video.play();
        })
        .then(function () { scan(); })
        .catch(function () {
          halt();
          video.hidden = true;
          status.textContent = button.getAttribute("data-camera-refused") || "";
          area.hidden = false;
        });
    });
    stop.addEventListener("click", halt);
    window.addEventListener("pagehide", halt);
  }

  document.addEventListener("DOMContentLoaded", function () {
    startCounts();
    startCamera();
  });
})();
