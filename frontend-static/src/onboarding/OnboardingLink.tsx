import { href } from "../router";
import { useOnboardingText } from "./strings";

/** "Continue onboarding" on an integration still being onboarded: the wizard resumes where it stands. */
export function OnboardingLink({ id }: { id: string }) {
  const o = useOnboardingText();
  return <a class="button" href={href(["integrations", id, "onboarding"])}>{o.continueOnboarding}</a>;
}
