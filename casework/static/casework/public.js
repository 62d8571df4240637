// "Use my location" on the report form: the browser's position (WGS84, as Open311 wants it)
// goes into the hidden lat/long fields. Without geolocation the button stays hidden.
(function () {
  var form = document.querySelector("[data-report-form]");
  if (!form || !navigator.geolocation) return;
  var button = form.querySelector("[data-locate]");
  var done = form.querySelector("[data-located]");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[name=long]").value = position.coords.longitude.toFixed(6);
        done.hidden = false;
        button.hidden = true;
      },
      function () { button.disabled = false; },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();

// The private link on the follow page: a tap selects all of it; the button copies it (the
// clipboard API needs HTTPS, so plain HTTP falls back to copying the selection).
(function () {
  var link = document.querySelector("[data-follow-url]");
  if (!link) return;
  link.addEventListener("click", function () { link.select(); });
  var button = document.querySelector("[data-copy-follow-url]");
  var copied = document.querySelector("[data-copied]");
  button.hidden = false;
  function done() { copied.hidden = false; }
  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link.value).then(done, function () {
        link.select();
      });
    } else {
      link.select();
      if (document.execCommand("copy")) done();
    }
  });
})();
