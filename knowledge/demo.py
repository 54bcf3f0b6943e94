"""The knowledge base of the demo: some thirty articles for agents and requesters,
written, published, revised and now and then retired by their teams through
`knowledge.services`, and months of their use: readings (from search, from tickets,
and suggested while requesters logged tickets), votes, and the tickets they solved.

A demo step (`registry.add_demo_step`): it runs after the processes', so the
known-error articles the problems published are read too. Same seed, same history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsm import demo
from itsm.demo import Desk
from itsm.models import Ticket

from . import services
from .choices import ArticleState, ArticleType, Audience, ViewSource
from .models import Article

HOW_TO, FAQ = ArticleType.HOW_TO, ArticleType.FAQ
AGENTS, REQUESTERS = Audience.AGENTS, Audience.REQUESTERS


@dataclass(frozen=True)
class ArticleSpec:
    service: str | None  # the demo service's code
    article_type: str
    audience: str
    title: str
    summary: str
    body: str
    # How much it is read (relative) and how readers find it (share helpful).
    reads: float = 1.0
    helpful: float = 0.8
    state: str = ArticleState.PUBLISHED


def _steps(*lines: str) -> str:
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))


ARTICLES = (
    ArticleSpec("email", HOW_TO, REQUESTERS, "Set up your mailbox on a phone",
                "Add your work mail and calendar to an iPhone or Android phone.",
                "You need the **Authenticator** app first.\n\n" + _steps(
                    "Install Outlook from the App Store or Google Play.",
                    "Open it, choose *Add account* and type your work address.",
                    "Approve the sign-in in the Authenticator app.",
                    "Allow notifications so you see new mail.")
                + "\n\nCalendars and contacts sync on their own.", reads=3),
    ArticleSpec("email", FAQ, REQUESTERS, "Why does Outlook keep asking for my password?",
                "Usually saved credentials that no longer work.",
                "Outlook asks again when the password it saved is out of date.\n\n" + _steps(
                    "Close Outlook.",
                    "Open *Credential Manager* from the Start menu.",
                    "Under *Windows Credentials*, remove every entry that names the mail "
                    "server.",
                    "Start Outlook and sign in once more.")
                + "\n\nStill asking? Report it: we may have a known error open.", reads=5),
    ArticleSpec("email", HOW_TO, REQUESTERS, "Open a shared mailbox",
                "Shared mailboxes appear in Outlook once you have access.",
                "Ask for access with the *Shared mailbox access* item in the catalog.\n\n"
                "Once granted, restart Outlook: the mailbox shows under your own within an "
                "hour. In webmail, click your picture › *Open another mailbox*.", reads=2),
    ArticleSpec("email", HOW_TO, AGENTS, "Rebuild an Outlook profile",
                "The fix for most Outlook start-up and sync faults.",
                _steps("Close Outlook and Teams.",
                       "Control Panel › Mail › *Show Profiles* › *Add*, name it `Work2`.",
                       "Sign in with the user's address; wait for the mailbox to sync.",
                       "Set *Always use this profile* to the new one; remove the old one.")
                + "\n\nKeep the old profile until the user confirms their archive opens.",
                reads=2),
    ArticleSpec("email", HOW_TO, AGENTS, "Raise a mailbox quota",
                "When a mailbox is full and archiving is not enough.",
                "Standard quota is 50 GB. Team leads approve up to 100 GB.\n\n"
                "Run in the Exchange shell:\n\n```\nSet-Mailbox user@example.com "
                "-ProhibitSendQuota 95GB -ProhibitSendReceiveQuota 100GB\n```\n\n"
                "Note the change on the ticket.", reads=1),
    ArticleSpec("vpn", HOW_TO, REQUESTERS, "Connect to the VPN from home",
                "Install the VPN client and connect with your work account.",
                _steps("Open the Software Center and install *Remote Access*.",
                       "Start it and choose the *Corporate* profile.",
                       "Sign in and approve the request in the Authenticator app.")
                + "\n\n| Problem | Try |\n|---|---|\n| No internet | Check your home router "
                "first |\n| Certificate error | Restart the laptop on the office network "
                "once |", reads=4),
    ArticleSpec("vpn", FAQ, REQUESTERS, "The VPN disconnects during video calls",
                "Power saving on the network adapter can drop the tunnel.",
                "Windows may put the Wi-Fi adapter to sleep during calls.\n\n" + _steps(
                    "Open *Device Manager* › *Network adapters*.",
                    "Right-click your Wi-Fi adapter › *Properties* › *Power Management*.",
                    "Untick *Allow the computer to turn off this device*."), reads=3,
                helpful=0.6),
    ArticleSpec("vpn", HOW_TO, AGENTS, "Clear a stuck session on the VPN gateway",
                "When a user cannot connect because an old session is still open.",
                "Sign in to `vpn-gw-01`, then *Monitor › Sessions*, search the username and "
                "*Terminate*. The user can connect again at once.", reads=1),
    ArticleSpec("network", FAQ, REQUESTERS, "Connect a guest to the Wi-Fi",
                "Guests register on the portal and get a code by text message.",
                "Ask your guest to join **Guest** and open any web page: the registration "
                "page appears. Codes last 24 hours. No page? Try `http://neverssl.com`.",
                reads=2),
    ArticleSpec("network", HOW_TO, AGENTS, "Find the switch port of a desk outlet",
                "Trace a wall port to the switch before re-patching it.",
                "The label on the outlet (for example `2.14-B`) is the patch panel port. "
                "Look it up in the floor's patch list on the team share; the switch port is "
                "in the last column. Re-patch, then check the link light.", reads=1),
    ArticleSpec("access", HOW_TO, REQUESTERS, "Reset your password",
                "Reset it yourself in the self-service portal, day or night.",
                _steps("Go to the password portal from the login page (*Forgot password?*).",
                       "Type your username and approve in the Authenticator app.",
                       "Choose a new password of at least 14 characters.")
                + "\n\nLocked out? The same page unlocks your account.", reads=6),
    ArticleSpec("access", HOW_TO, REQUESTERS, "Set up the Authenticator app on a new phone",
                "Move sign-in approval to your new phone.",
                "While you still have the old phone, open *My sign-ins › Security info* and "
                "add the new phone, then remove the old one.\n\nLost the old phone? Call the "
                "service desk: we verify who you are and reset your methods.", reads=3,
                helpful=0.55),
    ArticleSpec("access", HOW_TO, AGENTS, "Verify a caller before resetting MFA",
                "What to check before resetting someone's sign-in methods.",
                "Never reset on a name alone.\n\n" + _steps(
                    "Call the person back on the number in the HR directory.",
                    "Ask their manager to confirm by mail or chat.",
                    "Reset, and note both checks on the ticket.")),
    ArticleSpec("erp", HOW_TO, REQUESTERS, "Approve invoices in the ERP",
                "Find and approve the invoices waiting for you.",
                "Open *Finance › My approvals*. Tick invoices and choose *Approve*, or open "
                "one to reject it with a reason. Delegates are set under *My settings*.",
                reads=2),
    ArticleSpec("erp", HOW_TO, AGENTS, "Release a locked approval batch",
                "When the invoice approval screen hangs for everyone.",
                "A batch left open by a crashed session locks the queue. In the admin "
                "console run the job `UNLOCK_APPROVAL_BATCHES`, then ask users to reload.",
                reads=1),
    ArticleSpec("erp", FAQ, AGENTS, "ERP is slow: what to check first",
                "A checklist before escalating to application operations.",
                "- Is it everyone, or one site? (Check the network first for one site.)\n"
                "- Is the month-end close running? It slows reports, not entry screens.\n"
                "- Look at the application server's memory on the monitoring board.",
                reads=1, helpful=0.5),
    ArticleSpec("crm", HOW_TO, REQUESTERS, "Export customer lists from the CRM",
                "Export up to 50,000 rows to Excel.",
                "Open the list view, filter it, then *Export › Excel*. Larger exports: ask "
                "for a report from the data warehouse instead.", reads=1, helpful=0.45),
    ArticleSpec("crm", HOW_TO, AGENTS, "Rebuild the CRM search index",
                "When CRM search returns nothing.",
                "Run the scheduled job *Search index rebuild* now from the CRM admin; it "
                "takes about 20 minutes. Tell users that results return gradually.",
                reads=1),
    ArticleSpec("hr-portal", FAQ, REQUESTERS, "My payslip is not in the portal",
                "Payslips appear on the 25th after payroll closes.",
                "Payslips are published on the 25th at 18:00. Earlier? Not yet published. "
                "Later and still missing? Report it and name the month.", reads=2),
    ArticleSpec("hr-portal", HOW_TO, REQUESTERS, "Submit a leave request",
                "Request leave and see your balance.",
                "Open *Time off › New request*, pick the dates and type, and submit. Your "
                "manager gets it at once; you get an email when they decide.", reads=2),
    ArticleSpec("reporting", FAQ, REQUESTERS, "When are the dashboards refreshed?",
                "Every night; the sales dashboard by 07:00.",
                "The warehouse loads overnight. Dashboards show the day before by 07:00. "
                "The top of each dashboard shows when it was last loaded.", reads=2),
    ArticleSpec("telephony", HOW_TO, REQUESTERS, "Sign in to the softphone",
                "Use your work account in the softphone app.",
                "Start the softphone and sign in with your work address. Shows *offline*? "
                "Sign out, close it from the tray, and start it again.", reads=1),
    ArticleSpec("file-shares", HOW_TO, REQUESTERS, "Restore a deleted file yourself",
                "Earlier versions of your files are kept for 30 days.",
                "Right-click the folder › *Properties* › *Previous Versions*, pick a date "
                "and *Restore*. Older than 30 days? Ask us: backups go back a year.",
                reads=3),
    ArticleSpec("workplace-devices", HOW_TO, REQUESTERS, "Connect to a printer",
                "Add the printer nearest to you.",
                "Open *Settings › Printers*, choose *Add*, and pick the printer by its "
                "label (for example `PRN-F3`). Follow-me printing: badge at any printer.",
                reads=3),
    ArticleSpec("workplace-devices", HOW_TO, AGENTS, "Roll back a failed driver update",
                "When a laptop does not start after an update.",
                "Start in recovery (hold Shift while choosing *Restart*), *Troubleshoot › "
                "Advanced › Uninstall updates*, remove the latest quality update, restart, "
                "and pause updates for 7 days.", reads=1),
    ArticleSpec(None, FAQ, REQUESTERS, "How to report a problem so it is solved quickly",
                "What the service desk needs from you.",
                "- What you were doing and what you expected\n- The exact error message (a "
                "screenshot helps)\n- Since when, and whether colleagues have it too\n\n"
                "Report it in the portal; urgent outages by phone.", reads=2),
    ArticleSpec("email", HOW_TO, REQUESTERS, "Old: configure Outlook 2013",
                "Replaced by the article on Outlook for Microsoft 365.",
                "Outlook 2013 is no longer supported.", reads=0.2,
                state=ArticleState.RETIRED),
    ArticleSpec("crm", HOW_TO, AGENTS, "CRM field validation rules",
                "Draft: how the validation rules are maintained.",
                "To be written with application operations.", reads=0,
                state=ArticleState.DRAFT),
)

VIEWS_PER_DAY = 0.35  # readings of an article read as often as most (reads=1)


def write_history(desk: Desk, rng: random.Random, now: datetime, *, days: int) -> int:
    """The articles and their use; returns how many articles were written."""
    services_by_code = {spec.code: service for spec, service, _cis in desk.services}
    first_line = desk.teams[demo.FIRST_LINE]
    start = now - timedelta(days=days)
    written = []
    for spec in ARTICLES:
        service = services_by_code.get(spec.service) if spec.service else None
        team = service.owner_team if service and spec.audience == AGENTS else first_line
        author = desk.agent(rng, team)
        when = demo.office_time(start + timedelta(days=rng.uniform(0, days * 0.3)), rng)
        article = services.create_article(
            actor=author, title=spec.title, summary=spec.summary, body=spec.body,
            article_type=spec.article_type, audience=spec.audience, service=service,
            owner_team=team, when=when, publish_now=spec.state != ArticleState.DRAFT,
            review_due=(when + timedelta(days=rng.choice((120, 180, 365)))).date())
        if rng.random() < 0.4:  # revised once since
            edited = when + timedelta(days=rng.uniform(10, days * 0.6))
            if edited < now:
                article = _revise(article, desk.agent(rng, team), edited)
        if spec.state == ArticleState.RETIRED:
            article = services.retire(article, actor=author)
        written.append((article, spec))
    # The known errors the problems published are read too, by the desk.
    for article in Article.objects.filter(article_type=ArticleType.KNOWN_ERROR).published():
        written.append((article, ArticleSpec(None, "", AGENTS, "", "", "", reads=2)))
    for article, spec in written:
        if article.state != ArticleState.DRAFT:
            _use(desk, rng, now, article, spec)
    services.settle_deflections(now + services.deflection_window())
    return len(ARTICLES)


def reset(team_names: list[str]) -> None:
    """Delete the articles of the demo's teams (with their history and use)."""
    Article.objects.filter(owner_team__name__in=team_names).delete()


def _revise(article: Article, editor, when: datetime) -> Article:
    article = services.edit_article(
        article, actor=editor, base_revision=article.revision,
        note="Clearer steps", body=article.body + "\n\n*Updated: checked against the "
        "current version.*")
    article.revisions.filter(number=article.revision).update(created_at=when)
    Article.objects.filter(pk=article.pk).update(updated_at=when)
    return article


def _use(desk: Desk, rng: random.Random, now: datetime, article: Article,
         spec: ArticleSpec) -> None:
    """Its readings, votes and the tickets it solved, from its publication to now."""
    since = article.published_at or article.created_at
    until = now if article.state == ArticleState.PUBLISHED else article.updated_at
    span_days = max((until - since).total_seconds() / 86400, 0)
    readers = [person for people in desk.requesters.values() for person in people]
    agents = [person for people in desk.members.values() for person in people]
    for _n in range(demo.poisson(rng, VIEWS_PER_DAY * spec.reads * span_days)):
        when = since + timedelta(days=rng.uniform(0, span_days))
        for_requesters = article.audience == REQUESTERS and rng.random() < 0.75
        reader = rng.choice(readers if for_requesters else agents)
        source = (rng.choice((ViewSource.SUGGESTION, ViewSource.SEARCH, ViewSource.SEARCH))
                  if for_requesters else rng.choice((ViewSource.SEARCH, ViewSource.TICKET)))
        services.record_view(article, reader, source=source, when=when)
        if article.state == ArticleState.PUBLISHED and rng.random() < 0.25:
            services.vote(article, reader, helpful=rng.random() < spec.helpful, when=when)
    # The desk records what solved tickets of its service.
    if article.service_id and article.state == ArticleState.PUBLISHED:
        solved = list(Ticket.objects.filter(service_id=article.service_id,
                                            resolved_at__gte=since, resolved_at__lte=now)
                      .exclude(assignee=None).order_by("pk")
                      .only("pk", "service_id", "resolved_at", "assignee")[:400])
        for ticket in rng.sample(solved, k=min(len(solved), int(spec.reads * 4))):
            services.solved_with(article, ticket, actor=ticket.assignee,
                                 when=ticket.resolved_at)
