/*
 * Back office progressive enhancement: a [data-print] button (hidden without JavaScript, where the
 * browser's own print command does the same) prints the page.
 */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        window.print();
      });
    }
  });
})();
