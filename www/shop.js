// Nordwind Mobile demo shop: catalogue, product, cart, checkout and order pages, reporting GA4 events to Concierge.

// The command-queue stub: calls made before the agent has loaded wait in order.
window.concierge = window.concierge || function () { (window.concierge.q = window.concierge.q || []).push(arguments); };
window.dataLayer = window.dataLayer || [];

(function () {
  "use strict";

  // The shop's own cart. It belongs to the shop, as a real shop's server-side cart would;
  // the agent keeps its own picture of it from the events below.
  var CART_KEY = "demo-shop:cart";
  var ORDER_KEY = "demo-shop:last-order";
  var CURRENCY = "EUR";
  var money = new Intl.NumberFormat(document.documentElement.lang || "en", { style: "currency", currency: CURRENCY });
  var catalogPromise = null;

  function catalog() {
    catalogPromise = catalogPromise || fetch("/catalog.json").then(function (response) {
      if (!response.ok) throw new Error("catalogue: HTTP " + response.status);
      return response.json();
    });
    return catalogPromise;
  }

  function byId(products, id) {
    return products.find(function (product) { return product.id === id; });
  }

  function categoryName(data, id) {
    var category = data.categories.find(function (c) { return c.id === id; });
    return category ? category.name : id;
  }

  /** Creates an element; text is always set as text. */
  function el(tag, options, children) {
    var node = document.createElement(tag);
    options = options || {};
    if (options.className) node.className = options.className;
    if (options.text !== undefined) node.textContent = options.text;
    Object.keys(options.attrs || {}).forEach(function (name) { node.setAttribute(name, options.attrs[name]); });
    (children || []).forEach(function (child) { if (child) node.append(child); });
    return node;
  }

  // --- the shop's cart -------------------------------------------------------------------

  function readCart() {
    try {
      var lines = JSON.parse(localStorage.getItem(CART_KEY) || "[]");
      return Array.isArray(lines)
        ? lines.filter(function (l) { return l && typeof l.id === "string" && Number.isInteger(l.quantity) && l.quantity > 0; })
        : [];
    } catch (error) {
      return [];
    }
  }

  function writeCart(lines) {
    try {
      localStorage.setItem(CART_KEY, JSON.stringify(lines));
    } catch (error) {
      // Storage can be full or disabled; the page still works for this visit.
    }
    renderCount(lines);
  }

  function renderCount(lines) {
    var count = (lines || readCart()).reduce(function (sum, line) { return sum + line.quantity; }, 0);
    var badge = document.getElementById("cart-count");
    if (badge) {
      badge.textContent = String(count);
      badge.setAttribute("aria-label", count === 1 ? "1 item in cart" : count + " items in cart");
    }
  }

  /** A GA4 `items` entry for a product. */
  function ga4Item(data, product, quantity) {
    return {
      item_id: product.id,
      item_name: product.name,
      item_category: categoryName(data, product.category),
      price: product.price,
      quantity: quantity,
    };
  }

  function cartItems(data, lines) {
    return lines
      .map(function (line) {
        var product = byId(data.products, line.id);
        return product ? ga4Item(data, product, line.quantity) : null;
      })
      .filter(Boolean);
  }

  function valueOf(items) {
    return Math.round(items.reduce(function (sum, item) { return sum + item.price * item.quantity; }, 0) * 100) / 100;
  }

  function track(name, items, extra) {
    var params = Object.assign({ currency: CURRENCY, value: valueOf(items), items: items }, extra || {});
    window.concierge("track", name, params);
  }

  function addToCart(data, product, quantity) {
    var lines = readCart();
    var line = lines.find(function (l) { return l.id === product.id; });
    if (line) line.quantity += quantity; else lines.push({ id: product.id, quantity: quantity });
    writeCart(lines);
    track("add_to_cart", [ga4Item(data, product, quantity)]);
    announce(quantity + " × " + product.name + " added to your cart");
  }

  /** Polite announcements for screen readers, one live region per page. */
  function announce(message) {
    var region = document.getElementById("shop-announcer");
    if (!region) {
      region = el("p", { className: "visually-hidden", attrs: { id: "shop-announcer", role: "status", "aria-live": "polite" } });
      document.body.append(region);
    }
    region.textContent = message;
  }

  function productImage(product) {
    return el("img", { attrs: { src: "/img/" + product.category + ".svg", alt: "", width: "120", height: "120" } });
  }

  // --- pages -----------------------------------------------------------------------------

  function catalogue(data) {
    var params = new URLSearchParams(location.search);
    var active = params.get("category");
    if (active && !data.categories.some(function (c) { return c.id === active; })) active = null;
    var filters = document.getElementById("filters");
    var all = [{ id: null, name: "All" }].concat(data.categories);
    all.forEach(function (category) {
      var link = el("a", {
        className: "chip",
        text: category.name,
        attrs: { href: category.id ? "/?category=" + category.id : "/" },
      });
      if (category.id === active) link.setAttribute("aria-current", "true");
      filters.append(link);
    });

    var shown = data.products.filter(function (p) { return !active || p.category === active; });
    var grid = document.getElementById("catalogue");
    shown.forEach(function (product) {
      var button = el("button", { className: "button primary add-to-cart", text: "Add to cart", attrs: { type: "button" } });
      button.setAttribute("aria-label", "Add " + product.name + " to cart");
      button.addEventListener("click", function () { addToCart(data, product, 1); });
      var link = el("a", { text: product.name, attrs: { href: "/product/?id=" + encodeURIComponent(product.id) } });
      grid.append(
        el("li", { className: "card tone-" + product.tone, attrs: { "data-product-id": product.id } }, [
          el("div", { className: "card-media" }, [productImage(product)]),
          el("p", { className: "card-category", text: categoryName(data, product.category) }),
          el("h3", { className: "card-title" }, [link]),
          el("p", { className: "card-tagline", text: product.tagline }),
          el("p", { className: "card-price", text: money.format(product.price) + (product.category === "plans" || product.category === "internet" ? " /month" : "") }),
          button,
        ]),
      );
    });
    // The catalogue reports through the dataLayer, as a shop with GA4 already does.
    window.dataLayer.push({ ecommerce: null });
    window.dataLayer.push({
      event: "view_item_list",
      ecommerce: {
        item_list_id: active || "all",
        item_list_name: active ? categoryName(data, active) : "All products",
        items: shown.map(function (p, index) { return Object.assign(ga4Item(data, p, 1), { index: index }); }),
      },
    });
  }

  function product(data) {
    var id = new URLSearchParams(location.search).get("id");
    var item = byId(data.products, id);
    var container = document.getElementById("product");
    container.replaceChildren();
    if (!item) {
      document.title = "Product not found · Nordwind Mobile";
      container.append(
        el("h1", { text: "We couldn't find that product" }),
        el("p", {}, [el("a", { text: "Browse the shop", attrs: { href: "/" } })]),
      );
      return;
    }
    document.title = item.name + " · Nordwind Mobile";
    var crumb = document.getElementById("crumb-category");
    crumb.replaceChildren(el("a", { text: categoryName(data, item.category), attrs: { href: "/?category=" + item.category } }));

    var quantity = el("input", { attrs: { id: "quantity", type: "number", min: "1", max: "10", value: "1", inputmode: "numeric" } });
    var add = el("button", { className: "button primary add-to-cart", text: "Add to cart", attrs: { type: "button" } });
    add.addEventListener("click", function () {
      var n = Math.min(10, Math.max(1, parseInt(quantity.value, 10) || 1));
      quantity.value = String(n);
      addToCart(data, item, n);
    });
    container.setAttribute("data-product-id", item.id);
    container.className = "product tone-" + item.tone;
    container.append(
      el("div", { className: "product-media" }, [productImage(item)]),
      el("div", { className: "product-info" }, [
        el("p", { className: "card-category", text: categoryName(data, item.category) }),
        el("h1", { text: item.name }),
        el("p", { className: "product-tagline", text: item.tagline }),
        el("p", { className: "product-price", text: money.format(item.price) }),
        el("p", { text: item.description }),
        el("div", { className: "buy-row" }, [el("label", { text: "Quantity", attrs: { for: "quantity" } }), quantity, add]),
      ]),
    );
    track("view_item", [ga4Item(data, item, 1)]);
  }

  function cartPage(data) {
    var list = document.getElementById("cart-lines");
    var status = document.getElementById("cart-status");
    function render() {
      var lines = readCart().filter(function (line) { return byId(data.products, line.id); });
      list.replaceChildren();
      lines.forEach(function (line) {
        var item = byId(data.products, line.id);
        var dec = el("button", { className: "qty-dec", text: "−", attrs: { type: "button", "aria-label": "One fewer " + item.name } });
        var inc = el("button", { className: "qty-inc", text: "+", attrs: { type: "button", "aria-label": "One more " + item.name } });
        var remove = el("button", { className: "remove link-button", text: "Remove", attrs: { type: "button", "aria-label": "Remove " + item.name } });
        dec.addEventListener("click", function () { change(item, -1); });
        inc.addEventListener("click", function () { change(item, 1); });
        remove.addEventListener("click", function () { change(item, -line.quantity); });
        list.append(
          el("li", { className: "cart-line", attrs: { "data-product-id": item.id } }, [
            el("div", { className: "line-media tone-" + item.tone }, [productImage(item)]),
            el("div", { className: "line-info" }, [
              el("a", { className: "line-name", text: item.name, attrs: { href: "/product/?id=" + item.id } }),
              el("span", { className: "line-unit", text: money.format(item.price) + " each" }),
              remove,
            ]),
            el("div", { className: "qty-control", attrs: { role: "group", "aria-label": "Quantity of " + item.name } }, [
              dec,
              el("span", { className: "qty", text: String(line.quantity), attrs: { "aria-live": "polite" } }),
              inc,
            ]),
            el("span", { className: "line-total", text: money.format(item.price * line.quantity) }),
          ]),
        );
      });
      var items = cartItems(data, lines);
      document.getElementById("cart-total").textContent = money.format(valueOf(items));
      status.textContent = lines.length ? "" : "Your cart is empty.";
      document.getElementById("to-checkout").toggleAttribute("hidden", !lines.length);
      return items;
    }
    function change(item, delta) {
      var lines = readCart();
      var line = lines.find(function (l) { return l.id === item.id; });
      if (!line) return;
      line.quantity += delta;
      writeCart(lines.filter(function (l) { return l.quantity > 0; }));
      if (delta > 0) track("add_to_cart", [ga4Item(data, item, delta)]);
      else track("remove_from_cart", [ga4Item(data, item, -delta)]);
      render();
    }
    track("view_cart", render());
    // The code staff can find this cart by, when the visitor allowed the cart to be kept. Its
    // line is reserved (shop.css), so the page does not shift when the code arrives.
    var code = document.getElementById("cart-code");
    window.concierge("on", "cart", function (cart) {
      code.textContent = cart.code ? "Your cart code: " + cart.code + " — quote it when you call us or visit a store." : "";
    });
  }

  function checkout(data) {
    var lines = readCart().filter(function (line) { return byId(data.products, line.id); });
    var items = cartItems(data, lines);
    var form = document.getElementById("checkout-form");
    renderSummary(document.getElementById("summary-lines"), items);
    document.getElementById("checkout-total").textContent = money.format(valueOf(items));
    if (!items.length) {
      form.replaceChildren(el("p", { text: "Your cart is empty." }), el("a", { className: "button primary", text: "Browse the shop", attrs: { href: "/" } }));
      return;
    }
    track("begin_checkout", items);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var firstInvalid = null;
      ["name", "email", "address"].forEach(function (id) {
        var input = document.getElementById(id);
        var error = document.getElementById(id + "-error");
        var valid = input.value.trim() !== "" && input.checkValidity();
        input.setAttribute("aria-invalid", String(!valid));
        if (valid) {
          input.removeAttribute("aria-describedby");
          error.textContent = "";
        } else {
          input.setAttribute("aria-describedby", id + "-error");
          error.textContent = id === "email" ? "Enter an email address such as ana@example.com." : "This field is required.";
          firstInvalid = firstInvalid || input;
        }
      });
      if (firstInvalid) {
        firstInvalid.focus();
        return;
      }
      var orderId = "NW-" + Date.now().toString(36).toUpperCase().slice(-6);
      track("purchase", items, { transaction_id: orderId });
      try {
        sessionStorage.setItem(ORDER_KEY, JSON.stringify({ id: orderId, items: items }));
      } catch (error) {
        // The confirmation then shows the number without the summary.
      }
      writeCart([]);
      location.href = "/order/?id=" + encodeURIComponent(orderId);
    });
  }

  function renderSummary(list, items) {
    list.replaceChildren();
    items.forEach(function (item) {
      list.append(el("li", { className: "summary-line" }, [
        el("span", { text: item.quantity + " × " + item.item_name }),
        el("span", { text: money.format(item.price * item.quantity) }),
      ]));
    });
  }

  function order() {
    var id = new URLSearchParams(location.search).get("id") || "";
    document.getElementById("order-id").textContent = id;
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(ORDER_KEY) || "null");
    } catch (error) {
      saved = null;
    }
    if (saved && saved.id === id && Array.isArray(saved.items)) {
      renderSummary(document.getElementById("order-lines"), saved.items);
      document.getElementById("order-total").textContent = money.format(valueOf(saved.items));
    }
  }

  var pages = { catalogue: catalogue, product: product, cart: cartPage, checkout: checkout, order: order };

  function start() {
    renderCount();
    window.addEventListener("storage", function (event) {
      if (event.key === CART_KEY || event.key === null) renderCount();
    });
    var privacy = document.getElementById("privacy-choices");
    if (privacy) privacy.addEventListener("click", function () { window.concierge("consent", "prompt"); });
    var page = pages[document.body.dataset.page];
    if (!page) return;
    catalog()
      .then(page)
      .catch(function (error) {
        var status = document.querySelector("[role=status]");
        if (status) status.textContent = "The catalogue could not be loaded. Please try again.";
        console.error(error);
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
