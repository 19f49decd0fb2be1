"""The catalog: collections, categories (crafts), products, their makers and images."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.models.base import Base, UTCDateTime, utcnow
from coopshop.turkish import search_fold

if TYPE_CHECKING:
    from coopshop.models.user import ProducerProfile

PRODUCT_STATUSES = ("draft", "in_review", "active", "archived")
# The one place product status transitions are written down.
PRODUCT_TRANSITIONS = {
    "draft": {"in_review", "archived"},
    "in_review": {"active", "draft", "archived"},
    # active -> draft: the owner invited a co-maker, whose consent the product waits for.
    "active": {"in_review", "draft", "archived"},
    "archived": {"draft"},
}
VAT_RATES_BP = (0, 100, 1000, 2000)
# A co-maker's answer to the owner's invitation. The owner's own row is accepted; a declined
# invitation removes the row (the owner fixes the shares), so there is no "declined" state.
MAKER_CONSENTS = ("invited", "accepted")


# Why a product is excluded from withdrawal; None means the buyer may withdraw.
WITHDRAWAL_EXCLUSIONS = ("custom_made", "personalised")


class Collection(Base):
    __tablename__ = "collections"
    __table_args__ = (
        CheckConstraint(
            "commission_bp IS NULL OR (commission_bp >= 0 AND commission_bp <= 10000)",
            name="commission_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_tr: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    description_tr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    commission_bp: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_tr


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_tr: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_tr


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price_kurus > 0", name="price_positive"),
        CheckConstraint("vat_bp >= 0 AND vat_bp <= 10000", name="vat_range"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
        CheckConstraint(
            "lead_time_days IS NULL OR lead_time_days >= 0", name="lead_time_non_negative"
        ),
        CheckConstraint(f"status IN {PRODUCT_STATUSES!r}", name="status_valid"),
        CheckConstraint("weight_g IS NULL OR weight_g > 0", name="weight_positive"),
        CheckConstraint(
            "(length_cm IS NULL AND width_cm IS NULL AND height_cm IS NULL) OR "
            "(length_cm > 0 AND width_cm > 0 AND height_cm > 0)",
            name="box_positive",
        ),
        CheckConstraint(
            f"withdrawal_exclusion IS NULL OR withdrawal_exclusion IN {WITHDRAWAL_EXCLUSIONS!r}",
            name="withdrawal_exclusion_valid",
        ),
        # Search is "every word is a substring of search_text" (LIKE '%word%'): a B-tree cannot
        # serve that, a trigram GIN index can (PostgreSQL, pg_trgm). On SQLite, which has no
        # substring index, this is a plain index that only keeps the schema the same everywhere.
        Index(
            "ix_products_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title_tr: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_tr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Turkish-folded title, code, description and collection name: what search matches on.
    search_text: Mapped[str] = mapped_column(Text, default="")
    price_kurus: Mapped[int] = mapped_column(BigInteger)
    vat_bp: Mapped[int] = mapped_column(Integer, default=2000)
    # Its own commission rate is dated: models.policy.CommissionRate, scope "product".
    stock: Mapped[int] = mapped_column(Integer, default=0)
    made_to_order: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    # The packed piece, optional: the label form's parcel comes from these (the order's weights
    # summed, its largest box), else from the shipping settings (services.shipping.parcels).
    weight_g: Mapped[int | None] = mapped_column(Integer)
    length_cm: Mapped[int | None] = mapped_column(Integer)
    width_cm: Mapped[int | None] = mapped_column(Integer)
    height_cm: Mapped[int | None] = mapped_column(Integer)
    # Excluded from the buyer's right of withdrawal (Mesafeli Sözleşmeler Yönetmeliği m.15/1-ç):
    # made to her specifications ("custom_made") or personalised for her ("personalised").
    # Not the same as made_to_order above, which only says no stock is kept.
    withdrawal_exclusion: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    collection_id: Mapped[int | None] = mapped_column(
        ForeignKey("collections.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    # The member who listed it: only she edits it; co-makers accept or decline their share.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    collection: Mapped[Collection | None] = relationship()
    category: Mapped[Category] = relationship()
    makers: Mapped[list[ProductMaker]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductMaker.producer_id"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_tr

    def description(self, locale: str) -> str:
        return (
            self.description_en if locale == "en" and self.description_en else self.description_tr
        )

    def refresh_search_text(self) -> None:
        parts = [self.code, self.title_tr, self.title_en, self.description_tr, self.description_en]
        if self.collection is not None:
            parts += [self.collection.name_tr, self.collection.name_en]
        if self.category is not None:
            parts += [self.category.name_tr, self.category.name_en]
        self.search_text = search_fold(" ".join(p for p in parts if p))

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.code}>"


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _product_search_text(mapper, connection, target: Product) -> None:
    target.refresh_search_text()


@event.listens_for(Product.__table__, "before_create")
def _enable_trigram_extension(target, connection, **kw) -> None:
    # create_all() (tests) needs the operator class the search index uses; the migration does
    # the same. pg_trgm is a trusted extension: the database owner may create it.
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class ProductMaker(Base):
    """A maker's share of a product in basis points. A product's shares sum to 10,000."""

    __tablename__ = "product_makers"
    __table_args__ = (
        CheckConstraint("share_bp > 0 AND share_bp <= 10000", name="share_range"),
        CheckConstraint(f"consent IN {MAKER_CONSENTS!r}", name="consent_valid"),
    )

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producer_profiles.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    share_bp: Mapped[int] = mapped_column(Integer)
    # Rows from before consent was asked (and the owner's own) are accepted.
    consent: Mapped[str] = mapped_column(
        String(16), default="accepted", server_default=text("'accepted'"), index=True
    )
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def accepted(self) -> bool:
        return self.consent == "accepted"

    product: Mapped[Product] = relationship(back_populates="makers")
    producer: Mapped[ProducerProfile] = relationship()


class ProductImage(Base):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(255))
    thumb_path: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt: Mapped[str] = mapped_column(String(200), default="")

    product: Mapped[Product] = relationship(back_populates="images")
