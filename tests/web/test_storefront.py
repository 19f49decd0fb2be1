"""The storefront through the test client: home, collection, category, producer and product
pages (200 for what is for sale, 404 for everything else), pagination, the cart pages and the
navbar's search box and cart badge."""

from __future__ import annotations

import re

import pytest

from coopshop.db import db
from coopshop.services.sales.orders import MAX_QUANTITY
from tests.support.factories import (
    CategoryFactory,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    ProductImageFactory,
)
from tests.support.sql_counter import count_queries


def _html(response) -> str:
    return response.get_data(as_text=True)


def _cart(client) -> dict:
    with client.session_transaction() as sess:
        return dict(sess.get("cart", {}))


def _flashes(client) -> list[str]:
    """The messages flashed since the last call (they are taken, as a page would)."""
    with client.session_transaction() as sess:
        return [message for _, message in sess.pop("_flashes", [])]


# --- home ------------------------------------------------------------------------------------


def test_home_links_collections_and_shows_new_products(client):
    ipek = CollectionFactory(slug="ipek-yolu", name_tr="İpek Yolu", position=1)
    CollectionFactory(slug="gizli", name_tr="Gizli Koleksiyon", active=False)
    product = ProductFactory(title_tr="Kilim Yastık", collection=ipek)
    ProductFactory(title_tr="Taslak Ürün", status="draft")

    html = _html(client.get("/"))
    assert 'href="/collections/ipek-yolu"' in html
    assert "İpek Yolu" in html
    assert "Gizli Koleksiyon" not in html
    assert "Kilim Yastık" in html
    assert f'href="/products/{product.id}-kilim-yastik"' in html
    assert "Taslak Ürün" not in html
    assert f'href="/categories/{product.category.slug}"' in html


# --- collection and category pages -----------------------------------------------------------


def test_collection_page_lists_only_what_is_for_sale(client):
    ankara = CollectionFactory(slug="ankara", name_tr="Ankara", description_tr="Başkentten.")
    other = CollectionFactory()
    suspended = ProducerFactory(membership_status="suspended")
    ProductFactory(title_tr="Ankara Keçisi Bebek", collection=ankara)
    ProductFactory(title_tr="Taslak Bebek", collection=ankara, status="draft")
    ProductFactory(title_tr="Askıdaki Bebek", collection=ankara, makers=[(suspended, 10_000)])
    ProductFactory(title_tr="Başka Koleksiyon", collection=other)

    response = client.get("/collections/ankara")
    assert response.status_code == 200
    html = _html(response)
    assert "<h1" in html and "Ankara" in html and "Başkentten." in html
    assert "Ankara Keçisi Bebek" in html
    for hidden in ("Taslak Bebek", "Askıdaki Bebek", "Başka Koleksiyon"):
        assert hidden not in html


def test_category_page(client):
    felt = CategoryFactory(slug="kece", name_tr="Keçe")
    ProductFactory(title_tr="Keçe Terlik", category=felt)
    ProductFactory(title_tr="Seramik Kase")
    response = client.get("/categories/kece")
    assert response.status_code == 200
    assert "Keçe Terlik" in _html(response)
    assert "Seramik Kase" not in _html(response)


@pytest.mark.parametrize(
    "url", ["/collections/yok-boyle", "/collections/gizli", "/categories/yok-boyle"]
)
def test_unknown_or_hidden_collection_and_category_are_404(client, url):
    CollectionFactory(slug="gizli", active=False)
    assert client.get(url).status_code == 404


# --- producer page ---------------------------------------------------------------------------


def test_producer_page_tells_her_story_and_lists_her_products(client):
    ayse = ProducerFactory(
        display_name="Ayşe Yılmaz",
        centre="Mamak BELMEK",
        craft="Keçe",
        bio="Yirmi yıldır keçe yapıyorum.",
        photo_path="producers/ayse.jpg",
    )
    other = ProducerFactory()
    ProductFactory(title_tr="Keçe Çanta", makers=[(ayse, 10_000)])
    ProductFactory(title_tr="Ortak Kilim", makers=[(ayse, 6000), (other, 4000)])
    ProductFactory(title_tr="Arşivdeki Şal", makers=[(ayse, 10_000)], status="archived")
    ProductFactory(title_tr="Başkasının Ürünü", makers=[(other, 10_000)])

    response = client.get(f"/producers/{ayse.id}")
    assert response.status_code == 200
    html = _html(response)
    for text in ("Ayşe Yılmaz", "Mamak BELMEK", "Keçe", "Yirmi yıldır keçe yapıyorum."):
        assert text in html
    assert 'src="/media/producers/ayse.jpg"' in html
    assert 'alt="Ayşe Yılmaz, üretici"' in html
    assert "Keçe Çanta" in html and "Ortak Kilim" in html
    assert "Arşivdeki Şal" not in html and "Başkasının Ürünü" not in html


@pytest.mark.parametrize("membership", ["applied", "suspended", "refused"])
def test_producer_page_is_404_unless_she_is_an_active_member(client, membership):
    producer = ProducerFactory(membership_status=membership)
    assert client.get(f"/producers/{producer.id}").status_code == 404


def test_unknown_producer_is_404(client):
    assert client.get("/producers/999999").status_code == 404


# --- product page ----------------------------------------------------------------------------


def test_product_page(client):
    collection = CollectionFactory(slug="ipek-yolu", name_tr="İpek Yolu")
    zehra = ProducerFactory(display_name="Zehra Kaya")
    fatma = ProducerFactory(display_name="Fatma Demir")
    product = ProductFactory(
        title_tr="El Dokuması Atkı",
        description_tr="Yün, bitkisel boya.",
        price_kurus=123450,
        stock=3,
        collection=collection,
        makers=[(zehra, 6000), (fatma, 4000)],
    )
    ProductImageFactory(product=product, path="p/1.jpg", thumb_path="p/1-t.jpg", alt="Atkı önden")
    ProductImageFactory(product=product, path="p/2.jpg", thumb_path="p/2-t.jpg", alt="")

    for url in (f"/products/{product.id}", f"/products/{product.id}-el-dokumasi-atki"):
        response = client.get(url)
        assert response.status_code == 200, url
    html = _html(response)
    assert "<h1" in html and "El Dokuması Atkı" in html
    assert "₺1.234,50" in html and "KDV dahil" in html
    assert "Stokta 3 adet" in html
    assert "Yün, bitkisel boya." in html
    assert f'<a href="/producers/{zehra.id}">Zehra Kaya</a>' in html
    assert f'<a href="/producers/{fatma.id}">Fatma Demir</a>' in html
    assert 'src="/media/p/1.jpg" alt="Atkı önden"' in html
    assert 'src="/media/p/2-t.jpg" alt="El Dokuması Atkı, fotoğraf 2"' in html
    assert 'href="/collections/ipek-yolu"' in html
    # The add-to-cart form: a labelled quantity, limited to the stock.
    assert 'action="/cart/add"' in html
    assert f'name="product_id" value="{product.id}"' in html
    assert '<label class="form-label" for="quantity">Adet</label>' in html
    assert 'max="3"' in html


def test_product_page_redirects_a_stale_slug_to_the_canonical_url(client):
    product = ProductFactory(title_tr="Çini Kase")
    response = client.get(f"/products/{product.id}-eski-ad")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/products/{product.id}-cini-kase")


def test_sold_out_product_has_no_cart_form(client):
    product = ProductFactory(stock=0)
    html = _html(client.get(f"/products/{product.id}"))
    assert "Tükendi" in html
    assert 'action="/cart/add"' not in html


def test_made_to_order_product_shows_its_lead_time(client):
    product = ProductFactory(stock=0, made_to_order=True, lead_time_days=12)
    html = _html(client.get(f"/products/{product.id}"))
    assert "Siparişe özel, 12 günde hazırlanır" in html
    assert "Tükendi" not in html
    assert 'action="/cart/add"' in html
    assert f'max="{MAX_QUANTITY}"' in html


def test_product_page_in_english(client):
    product = ProductFactory(title_tr="Keçe Çanta", title_en="Felt Bag", description_en="Wool.")
    client.post("/language/en", data={"next": "/"})
    html = _html(client.get(f"/products/{product.id}"))
    assert "Felt Bag" in html and "Wool." in html
    assert "Keçe Çanta" not in html


@pytest.mark.parametrize(
    "hide",
    [
        "draft",
        "in_review",
        "archived",
        "maker_suspended",
        "co_maker_suspended",
        "maker_applied",
        "no_maker",
    ],
)
def test_products_not_for_sale_are_404(client, hide):
    active = ProducerFactory()
    makers = [(active, 10_000)]
    status = "active"
    if hide in ("draft", "in_review", "archived"):
        status = hide
    elif hide == "maker_suspended":
        makers = [(ProducerFactory(membership_status="suspended"), 10_000)]
    elif hide == "co_maker_suspended":
        makers = [(active, 5000), (ProducerFactory(membership_status="suspended"), 5000)]
    elif hide == "maker_applied":
        makers = [(ProducerFactory(membership_status="applied"), 10_000)]
    else:
        makers = []
    product = ProductFactory(status=status, makers=makers)
    assert client.get(f"/products/{product.id}").status_code == 404
    assert client.get(f"/products/{product.id}-urun").status_code == 404


def test_unknown_product_is_404(client):
    assert client.get("/products/999999").status_code == 404
    assert client.get("/products/abc").status_code == 404


# --- pagination ------------------------------------------------------------------------------


def _thirty_products_in(slug: str) -> None:
    collection = CollectionFactory(slug=slug)
    maker = ProducerFactory()
    for n in range(30):
        ProductFactory(
            title_tr=f"Sayfalık Ürün {n}", collection=collection, makers=[(maker, 10_000)]
        )


def _titles(html: str) -> list[str]:
    return re.findall(r"Sayfalık Ürün \d+", html)


@pytest.mark.parametrize(
    ("query", "expected_count", "expected_page"),
    [
        ("", 24, 1),
        ("?page=1", 24, 1),
        ("?page=2", 6, 2),
        ("?page=abc", 24, 1),
        ("?page=0", 24, 1),
        ("?page=-4", 24, 1),
        ("?page=99", 6, 2),
        ("?page=99999999999999999999999", 6, 2),
    ],
)
def test_collection_pagination(client, query, expected_count, expected_page):
    _thirty_products_in("sayfa")
    response = client.get(f"/collections/sayfa{query}")
    assert response.status_code == 200
    html = _html(response)
    assert len(set(_titles(html))) == expected_count
    assert re.search(
        rf'<li class="page-item active" aria-current="page"><span class="page-link">'
        rf"{expected_page}</span>",
        html,
    )


def test_pages_show_every_product_once(client):
    _thirty_products_in("sayfa")
    seen = _titles(_html(client.get("/collections/sayfa"))) + _titles(
        _html(client.get("/collections/sayfa?page=2"))
    )
    assert sorted(seen) == sorted(f"Sayfalık Ürün {n}" for n in range(30))
    assert 'href="/collections/sayfa?page=2"' in _html(client.get("/collections/sayfa"))


# --- no query per product --------------------------------------------------------------------


def _stock_collection(slug: str, n: int) -> None:
    collection = CollectionFactory(slug=slug)
    for _ in range(n):
        makers = [(ProducerFactory(), 5000), (ProducerFactory(), 5000)]
        product = ProductFactory(collection=collection, makers=makers)
        ProductImageFactory(product=product)
        ProductImageFactory(product=product)


def test_collection_page_query_count_does_not_grow_with_products(client):
    _stock_collection("uc", 3)
    _stock_collection("yirmi-dort", 24)
    counts = {}
    for slug, n in (("uc", 3), ("yirmi-dort", 24)):
        db.session.expunge_all()
        with count_queries() as statements:
            response = client.get(f"/collections/{slug}")
        assert response.status_code == 200
        assert _html(response).count('class="card h-100 product-card"') == n
        counts[slug] = len(statements)
    assert counts["uc"] == counts["yirmi-dort"], counts


# --- navbar ----------------------------------------------------------------------------------


def test_every_page_has_a_labelled_search_box(client):
    product = ProductFactory()
    for url in ("/", f"/products/{product.id}", "/cart", "/search?q=x", "/yok"):
        html = _html(client.get(url))
        assert 'role="search"' in html, url
        assert '<label class="visually-hidden" for="nav-search">Ürün ara</label>' in html
        assert 'name="q"' in html


def test_cart_badge_counts_items_without_a_query(client):
    product = ProductFactory(stock=10)
    client.post("/cart/add", data={"product_id": product.id, "quantity": 3})
    db.session.expunge_all()
    with count_queries() as statements:
        html = _html(client.get("/search"))  # a page that needs no database at all
    assert statements == []
    assert re.search(r'badge[^>]*>3<span class="visually-hidden"> ürün</span>', html)


# --- cart pages ------------------------------------------------------------------------------


def test_add_update_and_remove(client):
    a = ProductFactory(title_tr="Keçe Çanta", price_kurus=40000, stock=5)
    b = ProductFactory(title_tr="Sabun", price_kurus=5000, stock=50)

    response = client.post("/cart/add", data={"product_id": a.id, "quantity": 2})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cart")
    client.post("/cart/add", data={"product_id": b.id, "quantity": 1})
    client.post("/cart/add", data={"product_id": b.id, "quantity": 2})
    assert _cart(client) == {str(a.id): 2, str(b.id): 3}

    html = _html(client.get("/cart"))
    assert "Keçe Çanta" in html and "Sabun" in html
    assert "₺800,00" in html and "₺150,00" in html  # line totals
    assert "₺950,00" in html  # subtotal
    assert "₺75,00" in html  # flat shipping below ₺1.500
    assert "₺1.025,00" in html  # total
    assert "₺550,00 daha alışveriş yapın, kargo ücretsiz olsun." in html
    assert f'<label class="form-label small mb-0" for="qty-{a.id}">Adet</label>' in html

    client.post("/cart/update", data={"product_id": a.id, "quantity": 4})
    assert _cart(client) == {str(a.id): 4, str(b.id): 3}
    html = _html(client.get("/cart"))
    assert '<dd class="mb-1">Ücretsiz</dd>' in html  # 1.600 + 150 is above the threshold
    assert "₺1.750,00" in html

    client.post("/cart/remove", data={"product_id": a.id})
    assert _cart(client) == {str(b.id): 3}


def test_cart_page_links_to_checkout(client, app):
    product = ProductFactory()
    client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    html = _html(client.get("/cart"))
    if "shop.checkout" in app.view_functions:
        assert 'href="/checkout"' in html and "Siparişi tamamla" in html
    else:  # the checkout route is not there yet: the cart page still renders
        assert 'href="/checkout"' not in html


def test_empty_cart_page(client):
    html = _html(client.get("/cart"))
    assert "Sepetiniz boş." in html


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Adet en az 1 olmalı."),
        ("-2", "Adet en az 1 olmalı."),
        ("iki", "Adet bir tam sayı olmalı."),
        ("1.5", "Adet bir tam sayı olmalı."),
        ("", "Adet girin."),
        ("4", "Stokta yalnızca 3 adet var."),
        (str(MAX_QUANTITY + 1), f"Bir üründen en fazla {MAX_QUANTITY} adet alınabilir."),
    ],
)
def test_bad_quantities_are_refused_and_the_cart_is_unchanged(client, quantity, message):
    product = ProductFactory(stock=3)
    client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    _flashes(client)  # take the success message away

    for url in ("/cart/add", "/cart/update"):
        response = client.post(url, data={"product_id": product.id, "quantity": quantity})
        assert response.status_code == 302
        assert _flashes(client) == [message], url
        assert _cart(client) == {str(product.id): 1}


def test_adding_more_than_stock_in_total_is_refused(client):
    product = ProductFactory(stock=3)
    client.post("/cart/add", data={"product_id": product.id, "quantity": 2})
    response = client.post(
        "/cart/add",
        data={"product_id": product.id, "quantity": 2, "next": f"/products/{product.id}"},
        follow_redirects=True,
    )
    assert response.request.path == f"/products/{product.id}"  # back where she was
    assert "Stokta yalnızca 3 adet var." in _html(response)
    assert _cart(client) == {str(product.id): 2}


@pytest.mark.parametrize("status", ["draft", "in_review", "archived"])
def test_products_not_for_sale_cannot_be_added(client, status):
    product = ProductFactory(status=status)
    response = client.post(
        "/cart/add", data={"product_id": product.id, "quantity": 1}, follow_redirects=True
    )
    assert "Bu ürün şu an satışta değil." in _html(response)
    assert _cart(client) == {}


def test_unknown_or_missing_product_id_is_refused(client):
    client.post("/cart/add", data={"product_id": 999999, "quantity": 1})
    assert _flashes(client) == ["Ürün bulunamadı."]
    client.post("/cart/add", data={"quantity": 1})
    assert _flashes(client) == ["Ürün seçilmedi."]
    assert _cart(client) == {}


def test_next_must_stay_on_this_site(client):
    product = ProductFactory(stock=1)
    response = client.post(
        "/cart/add",
        data={"product_id": product.id, "quantity": 5, "next": "https://evil.example/"},
    )
    assert response.headers["Location"].endswith("/cart")


def test_cart_page_flags_a_product_withdrawn_since(client):
    product = ProductFactory(title_tr="Geri Çekilen Şal")
    client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    product.status = "archived"
    db.session.commit()
    html = _html(client.get("/cart"))
    assert "Geri Çekilen Şal" in html
    assert "Bu ürün şu an satışta değil." in html
    assert 'href="/checkout"' not in html


def test_cart_page_drops_products_that_no_longer_exist(client):
    with client.session_transaction() as sess:
        sess["cart"] = {"987654": 1}
    response = client.get("/cart")
    assert response.status_code == 200
    assert "artık yok" in _html(response)
    assert _cart(client) == {}


def test_cart_forms_carry_a_csrf_token_and_need_it(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    product = ProductFactory()
    refused = client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    assert refused.status_code == 400
    html = _html(client.get(f"/products/{product.id}"))
    token = re.search(r'action="/cart/add".*?name="csrf_token" value="([^"]+)"', html, re.S)
    assert token is not None
    response = client.post(
        "/cart/add", data={"product_id": product.id, "quantity": 1, "csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    assert _cart(client) == {str(product.id): 1}


# --- English pages ---------------------------------------------------------------------------


def test_english_product_cards_show_english_titles(client):
    """The cards are a macro imported without context; they still follow the page's language."""
    collection = CollectionFactory(slug="ipek-yolu", name_tr="İpek Yolu", position=1)
    maker = ProducerFactory(display_name="Fatma Kaya")
    product = ProductFactory(
        title_tr="Kilim Yastık",
        title_en="Kilim Cushion",
        collection=collection,
        makers=[(maker, 10000)],
    )
    english = {"Accept-Language": "en"}
    maker_page = f"/producers/{maker.id}"
    for url in ("/", "/collections/ipek-yolu", "/search?q=kilim", maker_page):
        html = _html(client.get(url, headers=english))
        assert "Kilim Cushion" in html, url
        assert "Kilim Yastık" not in html, url
    for url in ("/", maker_page):
        html = _html(client.get(url))
        assert "Kilim Yastık" in html, url
        assert f"/products/{product.id}-" in html, url


def test_product_and_maker_pages_carry_open_graph_for_a_shared_link(client, app):
    maker = ProducerFactory(display_name="Fatma Kaya")
    product = ProductFactory(title_tr="Kilim Yastık", price_kurus=123450, makers=[(maker, 10000)])
    ProductImageFactory(product=product)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    html = _html(client.get(f"/products/{product.id}-kilim-yastik"))
    assert '<meta property="og:title" content="Kilim Yastık · ₺1.234,50">' in html
    assert f'<meta property="og:url" content="{base}/products/{product.id}-kilim-yastik">' in html
    assert re.search(rf'<meta property="og:image" content="{re.escape(base)}/media/[^"]+">', html)
    assert '<meta property="product:price:amount" content="1234.50">' in html
    html = _html(client.get(f"/producers/{maker.id}"))
    assert '<meta property="og:title" content="Fatma Kaya' in html
    assert f'<meta property="og:url" content="{base}/producers/{maker.id}">' in html
