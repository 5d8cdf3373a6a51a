import { useI18n } from "../i18n";
import { href } from "../router";
import { PageTitle } from "../ui/components";

export function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <PageTitle title={t.notFound}>{t.notFound}</PageTitle>
      <p>{t.notFoundText}</p>
      <p><a href={href(["integrations"])}>{t.backToIntegrations}</a></p>
    </section>
  );
}
