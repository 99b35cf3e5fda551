"""Each operation's ``operationId``: short, stable, unique, chosen here.

Generated clients name their functions after these (``players_get``, ``config_publish``),
so they must not change when a Python function is renamed, and FastAPI's default (the
function name, the path and the method run together) is neither short nor stable. The
scheme is ``<resource>_<verb>``: the resource the path is about, its nouns joined
(``players_ledger``, ``config_versions``), then what the operation does to it: ``get``
one thing, ``list`` a collection, ``create``, ``put``, ``update``, ``delete``, or the
action it is (``send``, ``publish``, ``validate``, ``refund``, ``join``, ``login``).

A test fails for an operation of the schema without a line here, as one without a line
in ``auth.policy.POLICY`` is refused to everyone.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.utils import generate_unique_id

OPERATION_IDS: dict[str, str] = {
    "POST /v1/events/preview": "events_preview",
    "POST /v1/events": "events_send",
    "POST /v1/events/batch": "events_send_batch",
    "GET /v1/events/{event_id}": "events_get",
    "GET /v1/players/{player_id}": "players_get",
    "DELETE /v1/players/{player_id}": "players_erase",
    "GET /v1/players/{player_id}/ledger": "players_ledger_list",
    "PUT /v1/config": "config_publish",
    "GET /v1/config": "config_get",
    "POST /v1/config/validate": "config_validate",
    "GET /v1/config/versions": "config_versions_list",
    "GET /v1/config/versions/{version}": "config_versions_get",
    "GET /v1/config/versions/{first}/diff/{second}": "config_versions_diff",
    "POST /v1/config/rollback": "config_rollback",
    "POST /v1/items": "items_create",
    "GET /v1/items": "items_list",
    "GET /v1/items/{key}": "items_get",
    "PATCH /v1/items/{key}": "items_update",
    "DELETE /v1/items/{key}": "items_delete",
    "GET /health": "health_get",
    "GET /ready": "ready_get",
    "GET /metrics": "metrics_get",
    "GET /v1/leaderboards/{key}": "leaderboards_get",
    "GET /v1/leaderboards/{key}/runs": "leaderboards_runs_list",
    "GET /v1/leaderboards/{key}/runs/{run}": "leaderboards_runs_get",
    "GET /v1/players/{player_id}/ranks": "players_ranks_list",
    "PUT /v1/players/{player_id}/leaderboards": "players_leaderboards_put",
    "GET /v1/players/{player_id}/league": "players_league_get",
    "GET /v1/leagues/{tier}/groups/{group_id}": "leagues_groups_get",
    "GET /v1/achievements": "achievements_list",
    "GET /v1/players/{player_id}/achievements": "players_achievements_list",
    "POST /v1/achievements/backfill": "achievements_backfill",
    "GET /v1/players/{player_id}/streaks": "players_streaks_list",
    "POST /v1/players/{player_id}/streaks/{key}/restore": "players_streaks_restore",
    "POST /v1/players/{player_id}/streaks/{key}/freezes": "players_streaks_freezes_grant",
    "GET /v1/quests": "quests_list",
    "GET /v1/players/{player_id}/quests": "players_quests_list",
    "POST /v1/players/{player_id}/quests/{quest_id}/join": "players_quests_join",
    "GET /v1/players/{player_id}/scores": "players_scores_list",
    "GET /v1/players/{player_id}/scores/{key}": "players_scores_get",
    "POST /v1/players/{player_id}/grants": "players_grants_create",
    "POST /v1/config/dry-runs": "config_dry_runs_create",
    "GET /v1/config/dry-runs/{run_id}": "config_dry_runs_get",
    "GET /v1/config/schedules": "config_schedules_list",
    "POST /v1/config/schedules": "config_schedules_create",
    "DELETE /v1/config/schedules/{schedule_id}": "config_schedules_delete",
    "GET /v1/shop": "shop_get",
    "GET /v1/players/{player_id}/shop": "players_shop_get",
    "POST /v1/players/{player_id}/purchases": "players_purchases_create",
    "GET /v1/players/{player_id}/purchases": "players_purchases_list",
    "GET /v1/purchases/{purchase_id}": "purchases_get",
    "POST /v1/purchases/{purchase_id}/refund": "purchases_refund",
    "GET /v1/players/{player_id}/inventory": "players_inventory_get",
    "POST /v1/players/{player_id}/inventory/{item}/use": "players_inventory_use",
    "GET /v1/players/{player_id}/wallet": "players_wallet_get",
    "POST /v1/auth/login": "auth_login",
    "POST /v1/auth/refresh": "auth_refresh",
    "POST /v1/auth/logout": "auth_logout",
    "GET /v1/apps": "apps_list",
    "POST /v1/apps": "apps_create",
    "GET /v1/apps/{app_id}": "apps_get",
    "PUT /v1/apps/{app_id}/settings": "apps_settings_put",
    "GET /v1/branding": "branding_get",
    "POST /v1/keys": "keys_create",
    "GET /v1/keys": "keys_list",
    "GET /v1/keys/{key_id}": "keys_get",
    "DELETE /v1/keys/{key_id}": "keys_revoke",
    "GET /v1/users": "users_list",
    "PUT /v1/users/{email}": "users_put",
    "DELETE /v1/users/{email}": "users_delete",
    "POST /v1/players/{player_id}/token": "players_token_create",
    "GET /v1/players/{player_id}/export": "players_export",
    "GET /v1/audit": "audit_list",
    "PUT /v1/courses/{course_id}": "courses_put",
    "GET /v1/courses/{course_id}": "courses_get",
    "GET /v1/courses": "courses_list",
    "GET /v1/courses/{course_id}/versions": "courses_versions_list",
    "GET /v1/lessons/{lesson_id}": "lessons_get",
    "GET /v1/learning/settings": "learning_settings_get",
    "PUT /v1/learning/settings": "learning_settings_put",
    "POST /v1/players/{player_id}/lessons/{lesson_id}/attempts": "players_attempts_create",
    "GET /v1/players/{player_id}/lessons/{lesson_id}/attempts/{attempt_id}": "players_attempts_get",
    "POST /v1/players/{player_id}/lessons/{lesson_id}/attempts/{attempt_id}/answers": (
        "players_attempts_answer"
    ),
    "POST /v1/players/{player_id}/lessons/{lesson_id}/attempts/{attempt_id}/submit": (
        "players_attempts_submit"
    ),
    "GET /v1/players/{player_id}/courses/{course_id}/progress": "players_courses_progress_get",
    "POST /v1/players/{player_id}/reviews": "players_reviews_create",
    "GET /v1/players/{player_id}/reviews/due": "players_reviews_due_list",
    "GET /v1/players/{player_id}/reviews/stats": "players_reviews_stats_get",
    "GET /v1/players/{player_id}/notifications": "players_notifications_list",
    "POST /v1/players/{player_id}/notifications/read": "players_notifications_mark_read",
    "PUT /v1/players/{player_id}/devices/{device_id}": "players_devices_put",
    "DELETE /v1/players/{player_id}/devices/{device_id}": "players_devices_delete",
    "GET /v1/players/{player_id}/notifications/stream": "players_notifications_stream",
    "POST /v1/webhooks": "webhooks_create",
    "GET /v1/webhooks": "webhooks_list",
    "GET /v1/webhooks/{webhook_id}": "webhooks_get",
    "PATCH /v1/webhooks/{webhook_id}": "webhooks_update",
    "DELETE /v1/webhooks/{webhook_id}": "webhooks_delete",
    "GET /v1/webhooks/{webhook_id}/deliveries": "webhooks_deliveries_list",
    "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": "webhooks_deliveries_resend",
    "PUT /v1/players/{player_id}/following/{other_id}": "players_following_put",
    "DELETE /v1/players/{player_id}/following/{other_id}": "players_following_delete",
    "GET /v1/players/{player_id}/following": "players_following_list",
    "GET /v1/players/{player_id}/followers": "players_followers_list",
    "PUT /v1/players/{player_id}/blocks/{other_id}": "players_blocks_put",
    "DELETE /v1/players/{player_id}/blocks/{other_id}": "players_blocks_delete",
    "GET /v1/players/{player_id}/blocks": "players_blocks_list",
    "PUT /v1/players/{player_id}/profile": "players_profile_put",
    "GET /v1/players/{player_id}/feed": "players_feed_list",
    "GET /v1/players/{player_id}/activity": "players_activity_list",
    "PUT /v1/players/{player_id}/cheers/{entry_id}": "players_cheers_put",
    "DELETE /v1/players/{player_id}/cheers/{entry_id}": "players_cheers_delete",
    "GET /v1/analytics/activity": "analytics_activity_get",
    "GET /v1/analytics/awards": "analytics_awards_get",
    "GET /v1/analytics/new-players": "analytics_new_players_get",
    "GET /v1/analytics/retention": "analytics_retention_get",
    "GET /v1/analytics/levels": "analytics_levels_get",
    "GET /v1/analytics/streaks": "analytics_streaks_get",
    "GET /v1/analytics/achievements": "analytics_achievements_get",
    "GET /v1/analytics/quests": "analytics_quests_get",
}


def operation_id(route: APIRoute) -> str:
    """``generate_unique_id_function`` of the app: the line of ``OPERATION_IDS``, or
    FastAPI's own name for a route without one (pages, assets, routes tests add)."""
    for method in route.methods or ():
        found = OPERATION_IDS.get(f"{method} {route.path_format}")
        if found is not None:
            return found
    return generate_unique_id(route)
