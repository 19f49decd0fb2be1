/* Point of sale: keep the code field ready for the next scan and stop a second sale on a double
   tap. Everything works without this file; it only makes the page quicker to use. */
(function () {
  "use strict";
  var code = document.getElementById("code");
  if (code) {
    code.focus();
    code.select();
  }
  var pay = document.getElementById("pos-pay");
  if (!pay) {
    return;
  }
  pay.addEventListener("submit", function (event) {
    if (pay.dataset.sent) {
      event.preventDefault();
      return;
    }
    pay.dataset.sent = "1";
    // A disabled button is not sent: carry the pressed one's value in a hidden field instead.
    var pressed = event.submitter;
    if (pressed && pressed.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = pressed.name;
      hidden.value = pressed.value;
      pay.appendChild(hidden);
    }
    Array.prototype.forEach.call(pay.querySelectorAll("button[type=submit]"), function (b) {
      b.disabled = true;
    });
  });
})();
