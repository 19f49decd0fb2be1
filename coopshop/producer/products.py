"""Her products: the list, the product form with the sale preview, photos, status and stock."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.models import Product
from coopshop.models.catalog import PRODUCT_STATUSES, VAT_RATES_BP
from coopshop.money import BP, percent_text
from coopshop.producer.forms import ActionForm, PhotoForm, ProductForm
from coopshop.producer.routes import bp, form_error, or_404, share_label, wait_page
from coopshop.services.catalog import co_makers, own_products, product_input
from coopshop.services.catalog import listing as catalog
from coopshop.services.catalog import producer_products as products
from coopshop.services.catalog import product_photos as photos
from coopshop.services.catalog import stock as stock_service
from coopshop.services.core import images, uow
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import DomainError, ValidationFailed
from coopshop.services.sales import sale_preview
from coopshop.web.permissions import current_producer, roles_required


def _locale() -> str:
    return str(get_locale() or "tr")


def _choices(form: ProductForm) -> ProductForm:
    form.set_choices(
        catalog.categories(),
        catalog.active_collections(),
        _locale(),
        [(bp_, percent_text(bp_)) for bp_ in sorted(VAT_RATES_BP, reverse=True)],
    )
    return form


share_text = share_label  # a share as she would type it


def price_text(kurus: int) -> str:
    """125050 -> "1.250,50": the stored price as she would type it."""
    whole, cents = divmod(kurus, 100)
    grouped = f"{whole:,}".replace(",", ".")
    return f"{grouped},{cents:02d}"


def _makers_from(form: ProductForm, producer_id: int) -> tuple[product_input.MakerShare, ...]:
    makers = [product_input.MakerShare(producer_id, product_input.parse_share(form.my_share.data))]
    for entry in form.co_makers.entries:
        member_no, share = entry.form.member_no.data, (entry.form.share.data or "").strip()
        if member_no is None and not share:
            continue
        if member_no is None:
            raise ValidationFailed(_("Ortak üreticinin üye numarasını yazın."), field="makers")
        makers.append(product_input.MakerShare(member_no, product_input.parse_share(share)))
    return tuple(makers)


def _waiting_message() -> str:
    return _(
        "Ortak üreticilere davet gitti: her biri payını kabul edince ürünü incelemeye "
        "gönderebilirsiniz."
    )


def _input_from(form: ProductForm, producer_id: int) -> product_input.ProductInput:
    return product_input.ProductInput(
        title_tr=form.title_tr.data or "",
        title_en=form.title_en.data or "",
        description_tr=form.description_tr.data or "",
        description_en=form.description_en.data or "",
        price_kurus=product_input.parse_price(form.price.data),
        vat_bp=form.vat_bp.data,
        category_id=form.category_id.data,
        collection_id=form.collection_id.data,
        made_to_order=bool(form.made_to_order.data),
        lead_time_days=form.lead_time_days.data,
        withdrawal_exclusion=form.withdrawal_exclusion.data or None,
        weight_g=form.weight_g.data,
        box=product_input.parse_box(form.box.data),
        stock=form.stock.data or 0,
        makers=_makers_from(form, producer_id),
    )


def _preview_for(data: product_input.ProductInput, producer_id: int, product: Product | None):
    product_input.check_makers(producer_id, data.makers)
    return sale_preview.sale_preview(
        data.price_kurus,
        data.vat_bp,
        data.makers,
        settings_service.current().default_commission_bp,
        collection_id=data.collection_id,
        product_id=product.id if product is not None else None,
    )


def _form_for(product: Product, producer_id: int) -> ProductForm:
    others = [m for m in product.makers if m.producer_id != producer_id]
    mine = next((m.share_bp for m in product.makers if m.producer_id == producer_id), BP)
    return ProductForm(
        data={
            "title_tr": product.title_tr,
            "title_en": product.title_en,
            "description_tr": product.description_tr,
            "description_en": product.description_en,
            "price": price_text(product.price_kurus),
            "vat_bp": product.vat_bp,
            "category_id": product.category_id,
            "collection_id": product.collection_id,
            "made_to_order": product.made_to_order,
            "lead_time_days": product.lead_time_days,
            "withdrawal_exclusion": product.withdrawal_exclusion or "",
            "weight_g": product.weight_g,
            "box": (
                f"{product.length_cm}x{product.width_cm}x{product.height_cm}"
                if product.length_cm
                else ""
            ),
            "stock": product.stock,
            "my_share": share_text(mine),
            "co_makers": [
                {"member_no": m.producer_id, "share": share_text(m.share_bp)} for m in others
            ],
        }
    )


@bp.get("/products")
@roles_required("producer")
def products_list():
    profile = current_producer()
    status = request.args.get("status", "")
    if status not in PRODUCT_STATUSES:
        status = ""
    page = own_products.own_products(profile.id, status or None, request.args.get("page", 1, int))
    return render_template(
        "producer/products.html",
        profile=profile,
        page=page,
        status=status,
        statuses=PRODUCT_STATUSES,
        counts=own_products.status_counts(profile.id),
        low_stock_at=stock_service.LOW_STOCK_AT,
    )


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required("producer")
def product_new():
    profile = current_producer()
    if not profile.is_member:
        return wait_page(profile)
    form = _choices(ProductForm())
    preview = None
    action = request.form.get("action", "draft")
    if form.validate_on_submit():
        try:
            data = _input_from(form, profile.id)
            preview = _preview_for(data, profile.id, None)
            if action != "preview":
                product = products.create_product(
                    profile, data, current_user.id, submit=action == "submit"
                )
        except DomainError as exc:
            uow.rollback()
            form_error(form, exc)
        else:
            if action != "preview":
                uow.commit()
                if product.status == "in_review":
                    flash(_("Ürün kaydedildi ve incelemeye gönderildi."), "success")
                else:
                    flash(_("Ürün taslak olarak kaydedildi."), "success")
                if co_makers.waiting_for(product):
                    flash(_waiting_message(), "info")
                flash(_("Şimdi fotoğraflarını ekleyin."), "info")
                return redirect(url_for("producer.product_edit", product_id=product.id))
    return render_template(
        "producer/product_form.html",
        form=form,
        product=None,
        preview=preview,
        profile=profile,
        default_bp=settings_service.current().default_commission_bp,
    ), (400 if form.errors and request.method == "POST" else 200)


def _render_product(profile, product, form=None, photo_form=None, preview=None, status=200):
    form = form or _choices(_form_for(product, profile.id))
    if preview is None and sum(m.share_bp for m in product.makers) == BP:
        # (A declined co-maker leaves the shares short of 100%: no preview until they are fixed.)
        preview = sale_preview.preview_of(product, settings_service.current().default_commission_bp)
    return render_template(
        "producer/product_edit.html",
        profile=profile,
        product=product,
        form=form,
        photo_form=photo_form or PhotoForm(),
        action_form=ActionForm(),
        preview=preview,
        max_photos=photos.MAX_PHOTOS,
        review_fields=products.REVIEW_FIELDS,
        owner=co_makers.is_owner(profile, product),
    ), status


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@roles_required("producer")
def product_edit(product_id: int):
    profile = current_producer()
    product = or_404(own_products.get_own_product, profile.id, product_id)
    if request.method == "GET":
        return _render_product(profile, product)
    if not profile.is_member:
        return wait_page(profile)
    _owner_or_403(profile, product)
    form = _choices(ProductForm())
    action = request.form.get("action", "save")
    preview = None
    if form.validate_on_submit():
        try:
            data = _input_from(form, profile.id)
            preview = _preview_for(data, profile.id, product)
            if action != "preview":
                to_review = products.update_product(profile, product, data, current_user.id)
        except DomainError as exc:
            uow.rollback()
            form_error(form, exc)
        else:
            if action != "preview":
                uow.commit()
                flash(_("Değişiklikler kaydedildi."), "success")
                if co_makers.waiting_for(product):
                    flash(_waiting_message(), "info")
                if to_review:
                    flash(
                        _(
                            "Ürün yeniden incelemeye gönderildi; onaylanınca mağazada yeniden "
                            "görünecek."
                        ),
                        "warning",
                    )
                return redirect(url_for("producer.product_edit", product_id=product.id))
            return _render_product(profile, product, form=form, preview=preview)
    product = or_404(own_products.get_own_product, profile.id, product_id)
    return _render_product(profile, product, form=form, preview=preview, status=400)


def _owner_or_403(profile, product) -> None:
    """A co-maker sees the product; only its owner changes it."""
    if not co_makers.is_owner(profile, product):
        abort(403)


def _status_action(product_id: int, change, message: str, needs_member: bool = True):
    profile = current_producer()
    product = or_404(own_products.get_own_product, profile.id, product_id)
    if needs_member and not profile.is_member:
        return wait_page(profile)
    _owner_or_403(profile, product)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change(profile, product, current_user.id)
    except DomainError as exc:
        uow.rollback()
        flash(exc.message, "danger")
    else:
        uow.commit()
        flash(message, "success")
    return redirect(url_for("producer.product_edit", product_id=product_id))


@bp.post("/products/<int:product_id>/submit")
@roles_required("producer")
def product_submit(product_id: int):
    return _status_action(
        product_id,
        products.submit_for_review,
        _("Ürün incelemeye gönderildi. Onaylanınca mağazada görünecek."),
    )


@bp.post("/products/<int:product_id>/archive")
@roles_required("producer")
def product_archive(product_id: int):
    return _status_action(
        product_id,
        products.archive,
        _("Ürün arşive kaldırıldı; artık mağazada görünmüyor."),
        needs_member=False,
    )


@bp.post("/products/<int:product_id>/restore")
@roles_required("producer")
def product_restore(product_id: int):
    return _status_action(
        product_id,
        products.restore,
        _("Ürün arşivden çıkarıldı ve taslak oldu. Hazır olunca incelemeye gönderin."),
    )


@bp.post("/products/<int:product_id>/photos")
@roles_required("producer")
def product_photos(product_id: int):
    profile = current_producer()
    product = or_404(own_products.get_own_product, profile.id, product_id)
    if not profile.is_member:
        return wait_page(profile)
    _owner_or_403(profile, product)
    photo_form = PhotoForm()
    if not photo_form.validate_on_submit():
        return _render_product(profile, product, photo_form=photo_form, status=400)
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    try:
        to_review = photos.add_photos(
            profile, product, files, current_app.config["UPLOAD_DIR"], current_user.id
        )
    except DomainError as exc:
        uow.rollback()
        photo_form.photos.errors = [exc.message]
        product = or_404(own_products.get_own_product, profile.id, product_id)
        return _render_product(profile, product, photo_form=photo_form, status=400)
    uow.commit()
    flash(_("Fotoğraflar eklendi."), "success")
    if to_review:
        flash(
            _("Yeni fotoğraflar incelendikten sonra ürün mağazada yeniden görünecek."),
            "warning",
        )
    return _back_to_photos(product_id)


def _photo_action(product_id: int, change, message: str):
    """One photo of her own product changed by ``change(profile, product)`` (404 when it is not
    hers); committed, then back to the photos. Returns what ``change`` returned."""
    profile = current_producer()
    product = or_404(own_products.get_own_product, profile.id, product_id)
    _owner_or_403(profile, product)
    if not ActionForm().validate_on_submit():
        abort(400)
    result = or_404(change, profile, product)
    uow.commit()
    flash(message, "success")
    return result


def _back_to_photos(product_id: int):
    return redirect(url_for("producer.product_edit", product_id=product_id) + "#photos")


@bp.post("/products/<int:product_id>/photos/<int:image_id>/delete")
@roles_required("producer")
def product_photo_delete(product_id: int, image_id: int):
    paths = _photo_action(
        product_id,
        lambda profile, product: photos.remove_photo(profile, product, image_id, current_user.id),
        _("Fotoğraf kaldırıldı."),
    )
    images.delete_files(current_app.config["UPLOAD_DIR"], *paths)
    return _back_to_photos(product_id)


@bp.post("/products/<int:product_id>/photos/<int:image_id>/cover")
@roles_required("producer")
def product_photo_cover(product_id: int, image_id: int):
    _photo_action(
        product_id,
        lambda profile, product: photos.make_cover(profile, product, image_id),
        _("Kapak fotoğrafı değişti."),
    )
    return _back_to_photos(product_id)
