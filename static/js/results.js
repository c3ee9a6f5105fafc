/* Results pages: "Download chart (PNG)" turns the chart's SVG file into a PNG in the browser
   (no image library on the server). The SVG is fetched from the same site, drawn from a data:
   URL (allowed by the CSP's img-src) onto a canvas at twice its size, and saved. */
(function () {
  "use strict";

  function savePng(button) {
    var source = button.getAttribute("data-png-from");
    var filename = button.getAttribute("data-png-name") || "chart.png";
    button.disabled = true;
    fetch(source, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("The chart could not be loaded.");
        return response.text();
      })
      .then(function (svg) {
        return new Promise(function (resolve, reject) {
          var image = new Image();
          image.onload = function () { resolve(image); };
          image.onerror = function () { reject(new Error("The chart could not be drawn.")); };
          image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
        });
      })
      .then(function (image) {
        var scale = 2;
        var canvas = document.createElement("canvas");
        canvas.width = image.naturalWidth * scale;
        canvas.height = image.naturalHeight * scale;
        var context = canvas.getContext("2d");
        context.scale(scale, scale);
        context.drawImage(image, 0, 0);
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/png"); });
      })
      .then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = filename;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      })
      .catch(function (error) {
        window.alert(error.message);
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-png-from]");
    if (button) {
      event.preventDefault();
      savePng(button);
    }
  });
})();
