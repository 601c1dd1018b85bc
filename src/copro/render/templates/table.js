// Sorting and filtering for tables marked data-sortable; without JavaScript they read as is.
(function () {
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var body = table.tBodies[0];
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, col) {
      var label = th.textContent.trim();
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-sort"), y = b.cells[col].getAttribute("data-sort");
          var nx = parseFloat(x), ny = parseFloat(y);
          var cmp;
          if (x === "" || y === "") { cmp = (x === "") - (y === ""); return cmp; }
          cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
          return ascending ? cmp : -cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    var id = table.getAttribute("id");
    var holder = document.querySelector("[data-filter-for='" + id + "']");
    if (holder) {
      holder.hidden = false;
      var input = holder.querySelector("input");
      input.addEventListener("input", function () {
        var q = input.value.toLowerCase();
        Array.prototype.forEach.call(body.rows, function (r) {
          r.hidden = q && r.textContent.toLowerCase().indexOf(q) === -1;
        });
      });
    }
  });
})();
