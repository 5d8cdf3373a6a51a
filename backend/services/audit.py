"""Audit of settings and mappings: who changed which one, when, from what to what (the ``setting_change`` table).

``track(session, …)`` is called by the services that change settings and mappings when they open their session:
at every flush (autoflush or commit) it reads what the session is about to write (SQLAlchemy's attribute history)
and adds the audit rows to the same flush, so a change and its audit rows are committed together or not at all.
Credentials are never in these tables; values of fields whose name says "secret", "password", "token" or
"credential" are hidden all the same.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import IntegrationSettings, Mapping, SettingChange
from backend.services.auth import Principal
from backend.services.context import AppContext
from backend.services.errors import InvalidInput

_NOT_AUDITED = frozenset({"integration_id", "updated_at"})
_SECRET_WORDS = ("secret", "password", "token", "credential")
_HIDDEN = "(hidden)"


def actor_of(principal: Principal) -> tuple[str, str, str]:
    """(kind, id, name) of who acts: an API token, a settings link, or bokbro itself."""
    if principal.is_settings_link:
        return "SETTINGS_LINK", principal.token_id[:64], "settings link"
    if principal.token_id == "system":
        return "SYSTEM", "system", principal.name[:200]
    return "TOKEN", principal.token_id[:64], principal.name[:200]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(getattr(value, "value", value))


def _secretish(name: str) -> bool:
    return any(w in name.lower() for w in _SECRET_WORDS)


def _before_after(obj: Any, attr: str) -> tuple[Any, Any, bool]:
    history = inspect(obj).attrs[attr].history
    if not history.has_changes():
        return None, None, False
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return old, new, old != new


def _mapping_value(target_key: Any, options: Any) -> str | None:
    return _text({"targetKey": target_key, "options": options}) if target_key is not None or options else None


def track(session: AsyncSession, principal: Principal, integration_id: str) -> None:
    """Audit every change of this integration's settings and mappings that ``session`` writes, in its transaction."""

    def before_flush(sync_session: Session, _flush_context: Any, _instances: Any) -> None:
        record_changes(sync_session, principal, integration_id)

    event.listen(session.sync_session, "before_flush", before_flush)


def record_changes(session: Session, principal: Principal, integration_id: str) -> int:
    """Add an audit row for every settings field and mapping this session is about to change. Returns how many."""
    kind, actor_id, actor_name = actor_of(principal)
    rows: list[SettingChange] = []

    def add(field: str, old: Any, new: Any) -> None:
        old_t, new_t = _text(old), _text(new)
        if _secretish(field):
            old_t, new_t = (_HIDDEN if old_t is not None else None), (_HIDDEN if new_t is not None else None)
        rows.append(SettingChange(integration_id=integration_id, actor_kind=kind, actor_id=actor_id,
                                  actor_name=actor_name, field=field[:300], old_value=old_t, new_value=new_t))

    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, IntegrationSettings) and obj.integration_id == integration_id:
            is_new = obj in session.new
            for attr in inspect(obj).mapper.column_attrs:
                if attr.key in _NOT_AUDITED:
                    continue
                if is_new:
                    add(attr.key, None, getattr(obj, attr.key))
                    continue
                old, new, changed = _before_after(obj, attr.key)
                if changed:
                    add(attr.key, old, new)
        elif isinstance(obj, Mapping) and obj.integration_id == integration_id:
            field = f"mapping.{obj.kind}.{obj.source_key}"
            if obj in session.new:
                add(field, None, _mapping_value(obj.target_key, obj.options))
                continue
            old_target, _, target_changed = _before_after(obj, "target_key")
            old_options, _, options_changed = _before_after(obj, "options")
            if target_changed or options_changed:
                before = _mapping_value(old_target if target_changed else obj.target_key,
                                        old_options if options_changed else obj.options)
                add(field, before, _mapping_value(obj.target_key, obj.options))
    for obj in session.deleted:
        if isinstance(obj, Mapping) and obj.integration_id == integration_id:
            add(f"mapping.{obj.kind}.{obj.source_key}", _mapping_value(obj.target_key, obj.options), None)
    rows.sort(key=lambda r: r.field)
    session.add_all(rows)
    return len(rows)


async def list_changes(ctx: AppContext, principal: Principal, integration_id: str,
                       first: int = 100) -> list[SettingChange]:
    """Newest first."""
    principal.require(integration_id)
    if not 1 <= first <= 1000:
        raise InvalidInput("first is 1-1000", field="first")
    stmt = (select(SettingChange).where(SettingChange.integration_id == integration_id)
            .order_by(col(SettingChange.changed_at).desc(), col(SettingChange.field)).limit(first))
    async with ctx.db.session() as s:
        return list((await s.exec(stmt)).all())
