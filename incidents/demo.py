"""The incident's demo step: months of incidents lived through the real services.

`Process.demo` of incidents (`IncidentProcess`): `seed_demo` calls it with the desk the
core built. The history is drawn from a seeded random generator, so the same seed
gives the same desk.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Team
from itsm import demo, effort, services, workflow
from itsm.choices import Channel
from itsm.demo import Desk
from itsm.models import TimeEntry, User
from itsm.services import add_comment

from .choices import IncidentStatus, OnHoldReason, ResolutionCode
from .models import Incident
from .services import create_incident
from .workflow import INCIDENT_WORKFLOW


@dataclass(frozen=True)
class IncidentSpec:
    """What breaks in a demo service: how often, what people report, what fixed it."""

    weight: int  # share of the incident volume
    titles: tuple[str, ...]
    fixes: tuple[str, ...]


INCIDENTS = {
    "email": IncidentSpec(
        14,
        ("Outlook keeps asking for my password", "Cannot send email to external addresses",
         "Shared mailbox not visible in Outlook", "Meeting invitations arrive twice",
         "Mailbox full, cannot receive mail", "Calendar of my team is not loading"),
        ("Rebuilt the Outlook profile", "Archived old mail and raised the mailbox quota",
         "Re-added the shared mailbox permissions", "Removed a stale delegate rule"),
    ),
    "workplace-devices": IncidentSpec(
        16,
        ("Laptop does not start after update", "Printer on floor 3 prints blank pages",
         "Docking station: external monitors stay black", "Laptop battery drains within an hour",
         "Keyboard on my laptop types wrong characters", "New starter laptop not ready"),
        ("Rolled back the failed driver update", "Replaced the toner and cleared the queue",
         "Updated the docking station firmware", "Replaced the battery under warranty"),
    ),
    "vpn": IncidentSpec(
        9,
        ("VPN disconnects every few minutes", "Cannot connect to VPN from home",
         "VPN connects but no internal sites load", "Remote desktop to my PC fails"),
        ("Reissued the VPN certificate", "Adjusted the split-tunnel routes",
         "Cleared the stale session on the gateway"),
    ),
    "network": IncidentSpec(
        8,
        ("Wi-Fi on the 4th floor is very slow", "No network on the desk port in room 2.14",
         "Guest Wi-Fi login page does not appear", "Network drops during video calls"),
        ("Moved the access point to a free channel", "Re-patched the desk port",
         "Restarted the guest portal service"),
    ),
    "access": IncidentSpec(
        13,
        ("Account locked out", "Forgot my password", "MFA app lost with my old phone",
         "Need access to the finance share", "New colleague cannot log in"),
        ("Unlocked the account and reset the password", "Re-enrolled the MFA device",
         "Added the user to the right access group"),
    ),
    "erp": IncidentSpec(
        10,
        ("Invoice approval screen hangs", "Month-end report shows wrong totals",
         "Cannot post journal entries", "ERP very slow since this morning"),
        ("Cleared the locked approval batch", "Re-ran the period-close job",
         "Restarted the application server after a memory leak"),
    ),
    "crm": IncidentSpec(
        8,
        ("Customer records do not save", "CRM search returns no results",
         "Cannot log a customer call in CRM", "CRM export to Excel fails"),
        ("Rebuilt the search index", "Fixed the field validation rule",
         "Increased the export size limit"),
    ),
    "hr-portal": IncidentSpec(
        5,
        ("Cannot submit my leave request", "Payslip not visible in the portal",
         "Expense claim stuck in approval"),
        ("Re-synced the manager hierarchy", "Republished the payslip batch"),
    ),
    "reporting": IncidentSpec(
        7,
        ("Daily sales dashboard not refreshed", "Report times out",
         "Numbers in the risk report differ from the source"),
        ("Restarted the failed ETL job and reloaded the day", "Added a missing index",
         "Fixed the currency conversion in the load"),
    ),
    "telephony": IncidentSpec(
        5,
        ("Calls drop after 30 seconds", "Softphone shows offline",
         "Queue statistics missing on the wall board"),
        ("Replaced the faulty SIP trunk configuration", "Re-registered the softphone"),
    ),
    "file-shares": IncidentSpec(
        5,
        ("Cannot open files on the team share", "Deleted a folder by mistake, please restore",
         "Share is almost full"),
        ("Restored the folder from last night's backup", "Fixed the share permissions",
         "Extended the volume"),
    ),
}

# (impact, urgency) -> weight; gives about 2 % P1, 8 % P2, 38 % P3, 52 % P4.
IMPACT_URGENCY = {(1, 1): 2, (1, 2): 3, (2, 1): 5, (1, 3): 3, (2, 2): 25, (3, 1): 10,
                  (2, 3): 20, (3, 2): 20, (3, 3): 12}
CHANNELS = {Channel.PORTAL: 35, Channel.PHONE: 30, Channel.EMAIL: 20, Channel.MONITORING: 12,
            Channel.WALK_IN: 3}
# Median minutes to the first response and hours of work to a resolution, by priority.
RESPONSE_MINUTES = {1: 8, 2: 25, 3: 90, 4: 180}
RESOLUTION_HOURS = {1: 2.5, 2: 6, 3: 18, 4: 36}
RESOLUTION_CODES = {
    ResolutionCode.SOLVED_PERMANENTLY: 45, ResolutionCode.SOLVED_WORKAROUND: 15,
    ResolutionCode.SOLVED_REMOTELY: 20, ResolutionCode.USER_ERROR: 10,
    ResolutionCode.NOT_REPRODUCIBLE: 7, ResolutionCode.DUPLICATE: 3,
}
HOLD_REASONS = {OnHoldReason.AWAITING_CALLER: 60, OnHoldReason.AWAITING_SUPPLIER: 25,
                OnHoldReason.AWAITING_CHANGE: 10, OnHoldReason.AWAITING_PROBLEM: 5}
MONITORING_ALERTS = ("CPU above 95 % for 15 minutes", "service check failed",
                     "disk usage above 90 %", "host unreachable", "response time above 5 s")
MAJOR_EVERY_DAYS = 21

GREETINGS = ("Hello, I am looking into this now.", "Thanks for reporting; I have picked this up.",
             "I am on it and will update you within the hour.",
             "Could you tell me since when this happens?")
WORK_NOTES = ("Checked the logs; no errors on the server side.",
              "Reproduced the issue on a test account.",
              "Same symptom reported by two other users this week.",
              "Waiting for the vendor knowledge base article.")
CHASERS = ("Any update on this?", "This is still happening, please help.",
           "It is blocking my work today.")


def write_history(desk: Desk, rng: random.Random, now: datetime, *, days: int,
                  per_day: float, progress: Callable[[str, int, int], None]) -> int:
    """Incidents arriving over `days` (about `per_day` a day), each lived through the
    services up to `now`; a major incident with children every few weeks."""
    arrivals = list(demo.arrivals(rng, now, days, per_day))
    total, written = len(arrivals), 0
    next_major = (arrivals[0] if arrivals else now) + timedelta(
        days=rng.uniform(3, MAJOR_EVERY_DAYS))
    for done, created in enumerate(arrivals, start=1):
        story = _Story(desk, rng, now)
        if created >= next_major and timezone.localtime(created).weekday() < 5:
            written += story.major(created)
            next_major = created + timedelta(
                days=rng.uniform(MAJOR_EVERY_DAYS * 0.5, MAJOR_EVERY_DAYS * 1.5))
        else:
            written += story.ordinary(created)
        if done % 100 == 0 or done == total:
            progress(_("Incidents"), done, total)
    return written


class _Story:
    """The life of one incident (or a major incident and its children), written in order
    through the real services and cut off at `now`."""

    def __init__(self, desk: Desk, rng: random.Random, now: datetime):
        self.desk, self.rng, self.now = desk, rng, now

    # helpers

    def _agent(self, team: Team) -> User:
        return self.desk.agent(self.rng, team)

    def _later(self, moment: datetime, minutes: float) -> datetime:
        return moment + timedelta(minutes=minutes)

    def _due(self, moment: datetime) -> bool:
        return moment <= self.now

    def _hops(self, team: Team, owner: Team) -> list[Team]:
        """The teams an incident is passed to after its first one."""
        first_line = self.desk.teams[demo.FIRST_LINE]
        hops: list[Team] = []
        if team == first_line and owner != first_line:
            if self.rng.random() < 0.35:
                hops.append(owner)
        elif self.rng.random() < 0.08:
            hops.append(self._other_team(team))
        if hops and self.rng.random() < 0.12:
            hops.append(self._other_team(hops[-1]))
        return hops

    def _other_team(self, team: Team) -> Team:
        first_line = self.desk.teams[demo.FIRST_LINE]
        return self.rng.choice([other for other in self.desk.teams.values()
                                if other not in (team, first_line)])

    # one incident

    def ordinary(self, created: datetime) -> int:
        rng, desk = self.rng, self.desk
        weights = [INCIDENTS[spec.code].weight for spec, _service, _cis in desk.services]
        catalog, service, cis = rng.choices(desk.services, weights=weights)[0]
        spec = INCIDENTS[catalog.code]
        channel = demo.weighted(rng, CHANNELS)
        impact, urgency = demo.weighted(rng, IMPACT_URGENCY)
        first_line = desk.teams[demo.FIRST_LINE]
        fields: dict[str, Any] = {"service": service, "impact": impact, "urgency": urgency,
                                  "channel": channel}
        if channel == Channel.MONITORING:
            ci = rng.choice(cis)
            requester, actor, team = desk.monitoring, None, service.owner_team
            fields.update(configuration_item=ci, customer=None,
                          title=f"{ci.name}: {rng.choice(MONITORING_ALERTS)}",
                          description=_("Alert raised by monitoring."))
        else:
            customer = rng.choice(desk.customers)
            requester = rng.choice(desk.requesters[customer.pk])
            title = rng.choice(spec.titles)
            fields.update(title=title, description=_("%(title)s. Reported by %(who)s.")
                          % {"title": title, "who": requester.get_full_name()})
            if rng.random() < 0.4:
                fields["configuration_item"] = rng.choice(cis)
            if channel == Channel.PORTAL:
                actor, team = requester, None  # routed to the service's owner team
                fields.pop("configuration_item", None)
            else:
                actor, team = self._agent(first_line), first_line
        # Whoever answers a call or a visit takes the incident on the spot.
        assignee = actor if channel in (Channel.PHONE, Channel.WALK_IN) else None
        incident = create_incident(actor=actor, requester=requester, team=team,
                                   assignee=assignee, when=created, **fields)
        self._live(incident, created, spec)
        return 1

    def _live(self, incident: Incident, created: datetime, spec: IncidentSpec,
              parent_resolved: datetime | None = None) -> datetime | None:
        """Respond, escalate, hold, resolve, maybe reopen, close; returns the resolution."""
        rng = self.rng
        priority = incident.priority

        def office(moment: datetime) -> datetime:
            return moment if priority <= 2 else demo.office_time(moment, rng)

        # Some incidents are logged twice or by mistake and cancelled quickly.
        if parent_resolved is None and rng.random() < 0.02:
            when = office(self._later(created, rng.uniform(5, 120)))
            if self._due(when):
                workflow.transition(incident, IncidentStatus.CANCELLED,
                                    actor=self._agent(incident.assignment_team), when=when,
                                    note=_("Duplicate of an incident logged earlier."))
            return None

        if incident.assignee is not None:
            t, worker = created, incident.assignee
        else:
            t = office(self._later(created, demo.lognormal(rng, RESPONSE_MINUTES[priority])))
            if not self._due(t) or (parent_resolved is not None and t >= parent_resolved):
                return None
            worker = self._agent(incident.assignment_team)
            workflow.assign(incident, actor=worker, assignee=worker, when=t)
        if rng.random() < 0.4:
            t = self._later(t, rng.uniform(1, 15))
            if not self._due(t):
                return None
            add_comment(incident, author=worker, body=rng.choice(GREETINGS), when=t)

        if parent_resolved is not None:
            # Children wait for their major incident and resolve with it.
            t = self._later(t, rng.uniform(5, 30))
            if rng.random() < 0.3 and self._due(t) and t < parent_resolved:
                add_comment(incident, author=worker, when=t,
                            body=_("Linked to major incident %(n)s; updates follow there.")
                            % {"n": incident.parent.number})
            return None

        # First line escalates a share of its calls to the service's owner; some calls
        # reach a team that is not the right one and are passed on again.
        hops = self._hops(incident.assignment_team, incident.service.owner_team)
        for team in hops:
            t = self._later(t, demo.lognormal(rng, 40 if priority <= 2 else 120))
            if not self._due(t):
                return None
            if rng.random() < 0.5:
                add_comment(incident, author=worker, is_public=False, when=t,
                            body=_("Passing this to %(team)s.") % {"team": team.name})
            workflow.assign(incident, actor=worker, team=team, when=t)
            t = office(self._later(t, demo.lognormal(rng, RESPONSE_MINUTES[priority])))
            if not self._due(t):
                return None
            worker = self._agent(team)
            workflow.assign(incident, actor=worker, assignee=worker, when=t)

        effort = timedelta(hours=demo.lognormal(rng, RESOLUTION_HOURS[priority], 0.8))
        if rng.random() < 0.3:
            note_at = self._later(t, effort.total_seconds() / 120)
            if not self._due(note_at):
                return None
            add_comment(incident, author=worker, body=rng.choice(WORK_NOTES), is_public=False,
                        when=note_at)
            t = note_at

        on_hold = False
        if rng.random() < 0.15:
            t = self._later(t, effort.total_seconds() / 180)
            if not self._due(t):
                return None
            workflow.transition(incident, IncidentStatus.ON_HOLD, actor=worker, when=t,
                                on_hold_reason=demo.weighted(rng, HOLD_REASONS))
            on_hold = True
            t = self._later(t, demo.lognormal(rng, 600 if priority <= 2 else 1800))
            if rng.random() < 0.7:
                t = office(t)
                if not self._due(t):
                    return None
                workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=worker, when=t)
                on_hold = False
        if (not on_hold and incident.requester != self.desk.monitoring
                and effort > timedelta(days=1) and rng.random() < 0.25):
            chase = self._later(t, effort.total_seconds() / 90)
            if not self._due(chase):
                return None
            add_comment(incident, author=incident.requester, body=rng.choice(CHASERS), when=chase)

        resolved = office(t + effort)
        if not self._due(resolved):
            return None
        resolved = self._resolve(incident, worker, resolved, spec)
        if resolved is None:
            return None
        self._after_resolution(incident, worker, resolved, spec)
        return resolved

    def _resolve(self, incident: Incident, worker: User, when: datetime,
                 spec: IncidentSpec) -> datetime | None:
        code = demo.weighted(self.rng, RESOLUTION_CODES)
        notes = {
            ResolutionCode.SOLVED_PERMANENTLY: self.rng.choice(spec.fixes) + ".",
            ResolutionCode.SOLVED_WORKAROUND: _("Workaround given: %(fix)s; the root cause is "
                                                "being followed up.")
            % {"fix": self.rng.choice(spec.fixes).lower()},
            ResolutionCode.SOLVED_REMOTELY: _("Solved in a remote session: %(fix)s.")
            % {"fix": self.rng.choice(spec.fixes).lower()},
            ResolutionCode.USER_ERROR: _("Explained the correct steps to the caller; works now."),
            ResolutionCode.NOT_REPRODUCIBLE: _("Could not reproduce; the caller confirms it "
                                               "works again."),
            ResolutionCode.DUPLICATE: _("Same issue as an incident already being worked on."),
        }[code]
        workflow.transition(incident, IncidentStatus.RESOLVED, actor=worker, when=when,
                            resolution_code=code, resolution_notes=notes)
        effort.log_time(incident, person=worker, worked_on=timezone.localdate(when),
                        minutes=max(5, round(demo.lognormal(self.rng, 40, 0.8))),
                        activity=self.rng.choice(TimeEntry.Activity.values))
        return when

    def _after_resolution(self, incident: Incident, worker: User, resolved: datetime,
                          spec: IncidentSpec, may_reopen: bool = True) -> None:
        rng = self.rng
        if may_reopen and rng.random() < 0.03:
            t = self._later(resolved, rng.uniform(60, 2 * 24 * 60))
            if not self._due(t):
                return
            workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=worker, when=t,
                                note=_("The caller reports the problem is back."))
            t = demo.office_time(self._later(t, demo.lognormal(rng, 240)), rng)
            if not self._due(t):
                return
            resolved = self._resolve(incident, worker, t, spec) or resolved
        if incident.requester != self.desk.monitoring and rng.random() < 0.25:
            t = self._later(resolved, rng.uniform(10, 2 * 24 * 60))
            if self._due(t):
                workflow.transition(incident, IncidentStatus.CLOSED, actor=incident.requester,
                                    when=t, note=_("Confirmed by the caller."))
                return
        days = INCIDENT_WORKFLOW.setting("auto_close_days")
        t = resolved + timedelta(days=days)
        if days and self._due(t):  # what the auto-close job would have done then
            services.auto_close(incident, when=t)

    # a major incident and its children

    def major(self, created: datetime) -> int:
        rng, desk = self.rng, self.desk
        infra = [s for s in desk.services if s[0].team != "Workplace services"]
        catalog, service, cis = rng.choice(infra)
        spec = INCIDENTS[catalog.code]
        ci = rng.choice(cis)
        desk_agent = self._agent(desk.teams[demo.FIRST_LINE])
        parent = create_incident(
            actor=desk_agent, requester=desk.monitoring, team=service.owner_team, when=created,
            service=service, configuration_item=ci, impact=1, urgency=1, is_major=True,
            is_outage=True,
            channel=Channel.MONITORING, customer=None,
            title=_("Major incident: %(service)s unavailable") % {"service": service.name},
            description=_("%(ci)s is down; many users affected.") % {"ci": ci.name},
        )
        lead = service.owner_team.lead or self._agent(service.owner_team)
        t = self._later(created, rng.uniform(3, 10))
        if not self._due(t):
            return 1
        workflow.assign(parent, actor=lead, assignee=lead, when=t)
        if self._due(self._later(t, 2)):
            add_comment(parent, author=lead, when=self._later(t, 2),
                        body=_("Major incident declared; bridge call opened. Next update in "
                               "30 minutes."))
        effort = timedelta(hours=demo.lognormal(rng, 3, 0.5))
        resolved_at = t + effort
        children = []
        for _i in range(rng.randint(3, 10)):
            logged = self._later(created, rng.uniform(5, 90))
            if not self._due(logged) or logged >= resolved_at:
                continue
            customer = rng.choice(desk.customers)
            requester = rng.choice(desk.requesters[customer.pk])
            child = create_incident(
                actor=desk_agent, requester=requester, team=desk.teams[demo.FIRST_LINE],
                when=logged, service=service, impact=2, urgency=rng.choice((1, 2)),
                channel=rng.choice((Channel.PHONE, Channel.EMAIL)), parent=parent,
                title=rng.choice(spec.titles),
                description=_("Reported by %(who)s during the outage.")
                % {"who": requester.get_full_name()},
            )
            self._live(child, logged, spec, parent_resolved=resolved_at)
            children.append(child)
        if not self._due(resolved_at):
            return 1 + len(children)
        notes = rng.choice(spec.fixes) + "."
        workflow.transition(parent, IncidentStatus.RESOLVED, actor=lead, when=resolved_at,
                            resolution_code=ResolutionCode.SOLVED_PERMANENTLY,
                            resolution_notes=notes)
        self._after_resolution(parent, lead, resolved_at, spec, may_reopen=False)
        for child in children:  # resolved with their parent, at its moment
            child.refresh_from_db()
            self._after_resolution(child, lead, resolved_at, spec, may_reopen=False)
        return 1 + len(children)
