/* Body map for the interview (templates/body_map.html). Plain ES2017, no libraries.
 *
 * The form's checkboxes (name="finding") are the answer; the map is another way to tick them.
 * Each region remembers whether it was tapped itself, so that tapping the left thigh lights the
 * left thigh only, while a finding ticked in the list (or on an earlier visit) lights all its
 * regions. Rules in the map's data-derived attribute tick a finding when tapped regions of a
 * limb cover every listed side (both legs), and untick it again only if the map ticked it.
 * The script never submits the form.
 */
(function () {
  "use strict";

  function cssString(value) {
    return '"' + String(value).replace(/["\\]/g, "\\$&") + '"';
  }

  function BodyMap(root) {
    this.root = root;
    this.scope = root.closest("form") || document;
    this.regions = Array.prototype.slice.call(root.querySelectorAll(".bm-region[data-finding]"));
    this.tapped = new Set();
    this.updating = false;
    var rules = {};
    try {
      rules = JSON.parse(root.getAttribute("data-derived") || "{}");
    } catch (error) {
      rules = {};
    }
    this.rules = rules;
    this.held = {};
    this.init();
  }

  BodyMap.prototype.checkbox = function (finding) {
    var box = this.scope.querySelector(
      'input[type="checkbox"][name="finding"][value=' + cssString(finding) + "]"
    );
    return box || document.getElementById("finding-" + finding);
  };

  BodyMap.prototype.regionsOf = function (finding) {
    return this.regions.filter(function (region) {
      return region.getAttribute("data-finding") === finding;
    });
  };

  BodyMap.prototype.anyTapped = function (finding) {
    var tapped = this.tapped;
    return this.regionsOf(finding).some(function (region) {
      return tapped.has(region);
    });
  };

  BodyMap.prototype.isLit = function (region) {
    var finding = region.getAttribute("data-finding");
    var box = this.checkbox(finding);
    if (!box || !box.checked) {
      return false;
    }
    return this.tapped.has(region) || !this.anyTapped(finding);
  };

  BodyMap.prototype.render = function () {
    var self = this;
    this.regions.forEach(function (region) {
      var lit = self.isLit(region);
      region.classList.toggle("bm-selected", lit);
      region.setAttribute("aria-checked", lit ? "true" : "false");
    });
  };

  BodyMap.prototype.setBox = function (box, checked) {
    if (box.checked === checked) {
      return;
    }
    box.checked = checked;
    this.updating = true;
    try {
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.dispatchEvent(new Event("change", { bubbles: true }));
    } finally {
      this.updating = false;
    }
  };

  BodyMap.prototype.toggle = function (region) {
    var finding = region.getAttribute("data-finding");
    var box = this.checkbox(finding);
    if (!box || box.disabled) {
      return;
    }
    var self = this;
    var adding = !this.isLit(region);
    if (!adding) {
      if (this.anyTapped(finding)) {
        this.tapped.delete(region);
      } else {
        // Lit because the finding was ticked as a whole: keep the others, drop this one.
        this.regionsOf(finding).forEach(function (other) {
          if (other !== region) {
            self.tapped.add(other);
          }
        });
      }
      if (!this.anyTapped(finding)) {
        this.setBox(box, false);
      }
    } else {
      this.tapped.add(region);
      this.setBox(box, true);
    }
    this.derive(adding);
    this.render();
    this.announce(region, adding);
  };

  // Name the tapped region in words under the map ("Chosen: Lower back, left"), so a tap on
  // a small phone is confirmed by more than a change of colour.
  BodyMap.prototype.announce = function (region, adding) {
    var status = this.root.querySelector(".bm-status");
    if (!status) {
      return;
    }
    var pattern = status.getAttribute(adding ? "data-chosen" : "data-removed") || "{label}";
    status.textContent = pattern.replace("{label}", region.getAttribute("aria-label") || "");
  };

  BodyMap.prototype.ruleHolds = function (rule) {
    var self = this;
    var tapped = Array.from(this.tapped).filter(function (region) {
      var box = self.checkbox(region.getAttribute("data-finding"));
      return box && box.checked && region.getAttribute("data-limb") === rule.limb;
    });
    return (rule.sides || []).every(function (side) {
      return tapped.some(function (region) {
        return region.getAttribute("data-side") === side;
      });
    });
  };

  // Tick a derived finding when its rule starts to hold because a region was added (`mayTick`);
  // untick it when the rule stops holding, if the map ticked it. Taking a region away never
  // ticks anything, even when it turns "the whole finding" into the remaining regions.
  BodyMap.prototype.derive = function (mayTick) {
    var self = this;
    Object.keys(this.rules).forEach(function (finding) {
      var box = self.checkbox(finding);
      var holds = self.ruleHolds(self.rules[finding]);
      var held = self.held[finding] === true;
      self.held[finding] = holds;
      if (!box || holds === held) {
        return;
      }
      if (holds && mayTick && !box.checked) {
        box.setAttribute("data-bm-derived", "");
        self.setBox(box, true);
      } else if (!holds && box.checked && box.hasAttribute("data-bm-derived")) {
        box.removeAttribute("data-bm-derived");
        self.setBox(box, false);
      }
    });
  };

  BodyMap.prototype.onChange = function (event) {
    var box = event.target;
    if (this.updating || !box || box.type !== "checkbox" || box.name !== "finding") {
      return;
    }
    var finding = box.value;
    // The person ticked or unticked it in the list: the finding as a whole, no region in
    // particular; and a derived finding is now theirs to keep or drop.
    var tapped = this.tapped;
    this.regionsOf(finding).forEach(function (region) {
      tapped.delete(region);
    });
    box.removeAttribute("data-bm-derived");
    this.derive(false);
    this.render();
  };

  BodyMap.prototype.init = function () {
    var self = this;
    var usable = 0;
    this.regions.forEach(function (region) {
      var box = self.checkbox(region.getAttribute("data-finding"));
      if (!box) {
        // Nothing to record a tap in: leave the region out rather than offer a dead control.
        region.setAttribute("hidden", "");
        region.setAttribute("aria-hidden", "true");
        region.removeAttribute("tabindex");
        return;
      }
      usable += 1;
      region.addEventListener("click", function (event) {
        event.preventDefault();
        self.toggle(region);
      });
      region.addEventListener("keydown", function (event) {
        var key = event.key;
        if (key === "Enter" || key === " " || key === "Spacebar") {
          event.preventDefault();
          self.toggle(region);
        }
      });
    });
    if (!usable) {
      return;
    }
    this.scope.addEventListener("change", function (event) {
      self.onChange(event);
    });
    Object.keys(this.rules).forEach(function (finding) {
      self.held[finding] = false;
    });
    this.render();
    this.root.hidden = false;
    Array.prototype.forEach.call(this.root.querySelectorAll("svg"), function (svg) {
      svg.removeAttribute("hidden");
    });
  };

  function start() {
    var maps = document.querySelectorAll("[data-bm-map]");
    Array.prototype.forEach.call(maps, function (root) {
      if (!root.bodyMap) {
        root.bodyMap = new BodyMap(root);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.lumbarBodyMap = { start: start };
})();
