"""learning: courses and their versions, lesson attempts, card memory states, reviews

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import questline.storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learning_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_learning_courses_app_id_apps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_courses")),
        sa.UniqueConstraint("app_id", "key", name=op.f("uq_learning_courses_app_id_key")),
    )
    op.create_table(
        "learning_settings",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_learning_settings_app_id_apps")
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_learning_settings")),
    )
    op.create_table(
        "learning_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lesson_key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "submitted_at", questline.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("correct", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("xp", sa.Integer(), nullable=True),
        sa.Column("event_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_learning_attempts_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_attempts_course_id_learning_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_learning_attempts_player_id_players")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_attempts")),
        sa.UniqueConstraint("key", name=op.f("uq_learning_attempts_key")),
    )
    with op.batch_alter_table("learning_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learning_attempts_player_course", ["player_id", "course_id"], unique=False
        )

    op.create_table(
        "learning_cards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=200), nullable=False),
        sa.Column("translation", sa.String(length=200), nullable=False),
        sa.Column("audio_url", sa.String(length=2000), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("example", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_learning_cards_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_cards_course_id_learning_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_cards")),
        sa.UniqueConstraint("app_id", "key", name=op.f("uq_learning_cards_app_id_key")),
    )
    op.create_table(
        "learning_course_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=400), nullable=True),
        sa.Column("created_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_course_versions_course_id_learning_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_course_versions")),
        sa.UniqueConstraint(
            "course_id", "version", name=op.f("uq_learning_course_versions_course_id_version")
        ),
    )
    op.create_table(
        "learning_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_learning_lessons_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_lessons_course_id_learning_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_lessons")),
        sa.UniqueConstraint("app_id", "key", name=op.f("uq_learning_lessons_app_id_key")),
    )
    op.create_table(
        "learning_answers",
        sa.Column(
            "attempt_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("question", sa.String(length=100), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("time_ms", sa.Integer(), nullable=False),
        sa.Column("hint_used", sa.Boolean(), nullable=False),
        sa.Column(
            "answered_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["learning_attempts.id"],
            name=op.f("fk_learning_answers_attempt_id_learning_attempts"),
        ),
        sa.PrimaryKeyConstraint("attempt_id", "question", name=op.f("pk_learning_answers")),
    )
    op.create_table(
        "learning_card_states",
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", questline.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_review", questline.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "introduced_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["learning_cards.id"],
            name=op.f("fk_learning_card_states_card_id_learning_cards"),
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_learning_card_states_player_id_players")
        ),
        sa.PrimaryKeyConstraint("player_id", "card_id", name=op.f("pk_learning_card_states")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("learning_card_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learning_card_states_due",
            ["player_id", "active", "due", "rank", "card_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_learning_card_states_new",
            ["player_id", "rank", "card_id"],
            unique=False,
            postgresql_where=sa.text("active = TRUE AND due IS NULL"),
            sqlite_where=sa.text("active = TRUE AND due IS NULL"),
        )

    op.create_table(
        "learning_reviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column(
            "player_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column(
            "reviewed_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("state_before", sa.SmallInteger(), nullable=False),
        sa.Column("state_after", sa.SmallInteger(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", questline.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retrievability", sa.Float(), nullable=True),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", questline.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_learning_reviews_app_id_apps")
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["learning_cards.id"],
            name=op.f("fk_learning_reviews_card_id_learning_cards"),
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_learning_reviews_player_id_players")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_reviews")),
        sa.UniqueConstraint("player_id", "key", name=op.f("uq_learning_reviews_player_id_key")),
    )
    with op.batch_alter_table("learning_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learning_reviews_card", ["player_id", "card_id", "reviewed_at"], unique=False
        )
        batch_op.create_index(
            "ix_learning_reviews_player_time", ["player_id", "reviewed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("learning_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_reviews_player_time")
        batch_op.drop_index("ix_learning_reviews_card")

    op.drop_table("learning_reviews")
    with op.batch_alter_table("learning_card_states", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_card_states_new")
        batch_op.drop_index("ix_learning_card_states_due")

    op.drop_table("learning_card_states")
    op.drop_table("learning_answers")
    op.drop_table("learning_lessons")
    op.drop_table("learning_course_versions")
    op.drop_table("learning_cards")
    with op.batch_alter_table("learning_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_attempts_player_course")

    op.drop_table("learning_attempts")
    op.drop_table("learning_settings")
    op.drop_table("learning_courses")
