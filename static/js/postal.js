/*
 * Postal-code lookup for address fields (progressive enhancement).
 *
 * Without this script the 「住所を検索」 button posts the form and the server fills the address.
 * With it, typing a 7-digit postal code fetches /api/postal-codes/<digits> (JSON
 * {prefecture, city, town}, or 404) and fills the inputs in place.
 *
 * Markup contract (portal/procedures/templates/fields/address.html):
 *   <fieldset data-postal-lookup="/api/postal-codes/" data-postal-found="…" data-postal-not-found="…">
 *     <input data-postal-part="postal_code|city|town">  <select data-postal-part="prefecture">
 *     <div data-postal-status role="status"></div>
 * Messages come from data attributes so that they are translated server-side.
 */
(function () {
  "use strict";

  if (!window.fetch || !document.querySelectorAll) {
    return;
  }

  function toDigits(text) {
    // full-width digits → ASCII, then drop everything that is not a digit (〒, hyphens, spaces)
    return String(text || "")
      .replace(/[\uFF10-\uFF19]/g, function (ch) {
        return String.fromCharCode(ch.charCodeAt(0) - 0xFEE0);
      })
      .replace(/\D/g, "");
  }

  function part(container, name) {
    return container.querySelector('[data-postal-part="' + name + '"]');
  }

  function setValue(element, value) {
    if (!element || element.readOnly || element.disabled) {
      return;
    }
    if (element.tagName === "SELECT") {
      for (var i = 0; i < element.options.length; i++) {
        if (element.options[i].value === value) {
          element.selectedIndex = i;
          return;
        }
      }
      return;
    }
    element.value = value;
  }

  function setStatus(container, message) {
    var status = container.querySelector("[data-postal-status]");
    if (status) {
      status.textContent = message || "";
    }
  }

  function init(container) {
    var endpoint = container.getAttribute("data-postal-lookup");
    var postal = part(container, "postal_code");
    if (!endpoint || !postal) {
      return;
    }
    var requested = null;

    function fill(data) {
      var prefecture = part(container, "prefecture");
      var city = part(container, "city");
      var town = part(container, "town");
      var sameArea = prefecture && city && prefecture.value === data.prefecture && city.value === data.city;
      setValue(prefecture, data.prefecture || "");
      setValue(city, data.city || "");
      if (data.town || !sameArea) {
        setValue(town, data.town || "");
      }
    }

    function lookUp() {
      var digits = toDigits(postal.value);
      if (digits.length !== 7 || digits === requested) {
        return;
      }
      requested = digits;
      fetch(endpoint + encodeURIComponent(digits), {
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) {
          if (response.status === 404) {
            return null;
          }
          if (!response.ok) {
            throw new Error("postal lookup failed: " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          if (digits !== requested || digits !== toDigits(postal.value)) {
            return; // the resident has typed another code since
          }
          if (!data) {
            setStatus(container, container.getAttribute("data-postal-not-found"));
            return;
          }
          fill(data);
          setStatus(container, container.getAttribute("data-postal-found"));
        })
        .catch(function () {
          requested = null; // network trouble: the 「住所を検索」 button still works
        });
    }

    postal.addEventListener("input", lookUp);
    postal.addEventListener("change", lookUp);
  }

  var containers = document.querySelectorAll("[data-postal-lookup]");
  for (var i = 0; i < containers.length; i++) {
    init(containers[i]);
  }
})();
