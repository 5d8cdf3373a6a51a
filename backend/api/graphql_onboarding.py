"""GraphQL for finishing onboarding: the e-mail with the signed settings link."""

from __future__ import annotations

import strawberry


@strawberry.type
class OnboardingQuery:
    pass


@strawberry.type
class OnboardingMutation:
    pass
