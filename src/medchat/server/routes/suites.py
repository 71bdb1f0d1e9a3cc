"""``/api/suites``: the evaluation suites bundled with medchat, for a page that starts runs."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from medchat.server.api_schemas import Listing

router = APIRouter(prefix="/api/suites", tags=["runs"])


class SuiteSummary(BaseModel):
    name: str
    description: str
    solver: str
    scorers: list[str]
    default_limit: int | None = None


@router.get("", response_model=Listing[SuiteSummary])
def list_suites() -> Listing[SuiteSummary]:
    from medchat.evaluation.suites import SUITES

    return Listing(data=[SuiteSummary(name=s.name, description=s.description, solver=s.solver,
                                      scorers=list(s.scorers), default_limit=s.default_limit)
                         for s in SUITES.values()])
