/* The offline point of sale's service worker (served as /staff/offline/sw.js, scope
   /staff/offline/). It keeps the page shell and its static files so the page opens with no
   connection; the catalogue and the tickets live in the page's IndexedDB, never here, and
   every JSON call (state, tickets, device) goes to the network untouched: a sale is only ever
   confirmed by the server's own answer. */
"use strict";

var CACHE = "coopshop-pos-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (name) { return name.indexOf("coopshop-pos-") === 0 && name !== CACHE; })
          .map(function (name) { return caches.delete(name); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

// The page tells the worker which files it was built from (its CSS, scripts, itself), since it
// loaded them before the worker was running.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache-shell" || !Array.isArray(data.urls)) {
    return;
  }
  var urls = data.urls.filter(function (url) {
    return new URL(url, self.location.href).origin === self.location.origin;
  });
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(
        urls.map(function (url) {
          return fetch(url, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
            if (response.ok && response.type === "basic") {
              return cache.put(url, response);
            }
            return undefined;
          }).catch(function () { return undefined; });
        })
      );
    })
  );
});

function isStatic(url) {
  return url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/bootstrap/static/") === 0;
}

function isShellPage(request, url) {
  // The page itself (not its JSON calls): /staff/offline/ and /staff/offline/<desk>.
  return request.mode === "navigate" && /^\/staff\/offline\/(\d+)?$/.test(url.pathname);
}

// Page: the network first (fresh CSRF token, a desk closed meanwhile), the kept copy offline.
function networkFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      if (response.ok && response.type === "basic" && !response.redirected) {
        cache.put(request, response.clone());
      }
      return response;
    }).catch(function () {
      return cache.match(request, { ignoreSearch: true }).then(function (kept) {
        return kept || Response.error();
      });
    });
  });
}

// Static files: the kept copy at once (the desk may have no connection), refreshed behind it so
// a new version of a file is used from the next load on.
function keptThenRefreshed(event, request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") {
          return cache.put(request, response.clone()).then(function () { return response; });
        }
        return response;
      });
      if (kept) {
        event.waitUntil(fresh.catch(function () { return undefined; }));
        return kept;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (isShellPage(request, url)) {
    event.respondWith(networkFirst(request));
  } else if (isStatic(url)) {
    event.respondWith(keptThenRefreshed(event, request));
  }
});
