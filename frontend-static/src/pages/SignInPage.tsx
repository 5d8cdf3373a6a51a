import { useState } from "preact/hooks";
import { ApiError, request } from "../api/client";
import { SIGN_IN_CHECK } from "../api/operations";
import { useI18n } from "../i18n";
import { PageTitle } from "../ui/components";

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (token: string) => void; notice: string | null }) {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const token = value.trim().replace(/^Bearer\s+/i, "");
    if (!token) {
      setProblem(t.tokenEmpty);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await request(SIGN_IN_CHECK, {}, { token, quiet: true });
      onSignedIn(token);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : "NETWORK";
      setProblem(code === "UNAUTHENTICATED" || code === "FORBIDDEN" ? t.tokenRejected
        : code === "NETWORK" ? t.networkError : `${t.serverError}: ${(err as Error).message}`);
      document.getElementById("token")?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="sign-in card">
      <PageTitle title={t.signInTitle}>{t.signInTitle}</PageTitle>
      <p>{t.signInIntro}</p>
      {notice && <div class="notice notice-warn" role="status"><p>{notice}</p></div>}
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="token">{t.tokenLabel}</label>
          <input id="token" name="token" type="password" autoComplete="off" spellcheck={false} value={value}
            aria-describedby={problem ? "token-help token-problem" : "token-help"} aria-invalid={problem ? true : undefined}
            onInput={(e) => setValue(e.currentTarget.value)} />
          <p id="token-help" class="help">{t.tokenHelp}</p>
          {problem && <p id="token-problem" class="field-error" role="alert">{problem}</p>}
        </div>
        <button type="submit" class="button button-primary" disabled={busy}>{busy ? t.signingIn : t.signInButton}</button>
      </form>
    </section>
  );
}
