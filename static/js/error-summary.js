/*
 * Error summary (the GOV.UK pattern), progressive enhancement.
 *
 * A page sent back with errors starts with <div class="error-summary" tabindex="-1" role="alert">. Moving
 * focus to it on load makes a screen reader read it out and puts a keyboard user at the list of problems
 * instead of at the top of the page. A link in it moves focus to the field it names and scrolls the
 * field's label (or, for radios and checkboxes, its legend) into view with it, which a plain #anchor
 * jump does not do. Without JavaScript the links still jump to the fields.
 */
(function () {
  "use strict";

  function labelFor(input) {
    var fieldset = input.closest("fieldset");
    if (fieldset) {
      var legend = fieldset.querySelector("legend");
      if (legend) {
        return legend;
      }
    }
    if (input.id) {
      var label = document.querySelector("label[for='" + input.id.replace(/'/g, "\\'") + "']");
      if (label) {
        return label;
      }
    }
    return input;
  }

  function focusField(event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var input = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!input) {
      return;
    }
    event.preventDefault();
    labelFor(input).scrollIntoView();
    input.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (!summary || !summary.closest) {
      return;
    }
    summary.addEventListener("click", focusField);
    summary.focus();
  });
})();
