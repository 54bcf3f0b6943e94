"""The demo catalog's documentation: categories, service dossiers, support paths,
suppliers, orders and standard changes. Data for `seed_demo`, kept apart from the
history generator so each reads on its own."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from catalog.models import (
    ApprovalStep,
    ApproverKind,
    ChangeRisk,
    ContractTarget,
    MeetingCadence,
    RequestItem,
    Service,
    ServiceCategory,
    ServiceType,
    StandardChange,
    Supplier,
    SupportLevel,
    Team,
    UnderpinningContract,
)
from catalog.services import record_revision

# (name, code, services in it)
CATEGORIES = (
    ("Workplace", "workplace", ("email", "workplace-devices", "file-shares")),
    ("Connectivity", "connectivity", ("vpn", "network", "telephony")),
    ("Identity and access", "identity", ("access",)),
    ("Business applications", "business-apps", ("erp", "crm", "hr-portal")),
    ("Data and reporting", "data", ("reporting",)),
)
DEMO_CATEGORY_CODES = tuple(code for _name, code, _services in CATEGORIES)

# service code -> the codes of the services it depends on
DEPENDS_ON = {
    "email": ("access", "network"), "vpn": ("access",), "erp": ("access", "network"),
    "crm": ("access", "network"), "hr-portal": ("access",), "reporting": ("erp", "crm"),
    "file-shares": ("access", "network"), "telephony": ("network",),
}

# Most demo services are what the business uses; these support the others.
SERVICE_TYPES = {"network": ServiceType.TECHNICAL, "access": ServiceType.SUPPORTING,
                 "telephony": ServiceType.TECHNICAL}
# Management groups meet to measure, follow up and improve their part of IT.
TEAM_CADENCES = {"Service desk": MeetingCadence.WEEKLY,
                 "Network operations": MeetingCadence.WEEKLY,
                 "Application operations": MeetingCadence.BIWEEKLY,
                 "Database operations": MeetingCadence.MONTHLY,
                 "Workplace services": MeetingCadence.BIWEEKLY,
                 "Identity and access": MeetingCadence.MONTHLY}

# name, contact email, phone, contract, reference, services it underpins,
# priority -> (response, resolution) minutes it promises
SUPPLIERS = (
    ("Nordlink Telecom", "noc@nordlink.example.net", "+46 8 555 010 00",
     "Managed WAN and SIP trunks", "NL-2024-117", ("network", "telephony"),
     {1: (15, 240), 2: (30, 480), 3: (120, 1440), 4: (480, 4320)}),
    ("Ledgerwise Software", "support@ledgerwise.example.com", "+31 20 555 0199",
     "ERP premium support", "LW-PS-0042", ("erp",),
     {1: (30, 480), 2: (60, 960), 3: (240, 2880), 4: (480, 7200)}),
    ("Cloudmail Services", "escalations@cloudmail.example.com", "",
     "Hosted mail gateway", "CM-77310", ("email",),
     {1: (30, 240), 2: (60, 480), 3: (240, 1440), 4: (480, 2880)}),
)
DEMO_SUPPLIERS = tuple(supplier[0] for supplier in SUPPLIERS)

FIRST_LINE = "Service desk"

# code -> description, operational notes, support notes
DOSSIERS = {
    "email": (
        "Mailboxes, shared mailboxes and calendars for every employee, with the hosted "
        "mail gateway filtering spam and malware on the way in and out.",
        "Mailbox databases are backed up nightly at 01:00 and kept for 30 days.\n"
        "The mail gateway's certificates renew automatically; check the renewal report on "
        "the first Monday of each month.\nMaintenance window: Sunday 06:00-08:00.",
        "First line resets Outlook profiles, restores single mails and grants shared "
        "mailbox access. Delivery problems to outside addresses go to Workplace services; "
        "a gateway outage goes straight to Cloudmail (contract CM-77310).",
    ),
    "workplace-devices": (
        "Laptops, docking stations, monitors, printers and mobile phones: ordering, "
        "setting up, repairing and replacing them.",
        "Laptops get patches on the second Tuesday of the month; printers' toner is "
        "reordered automatically below 15 %.",
        "First line troubleshoots remotely and swaps loan devices at the desk. Hardware "
        "faults go to Workplace services, who handle warranty claims.",
    ),
    "file-shares": (
        "Team and department file shares, with snapshots users can restore from "
        "themselves.",
        "Snapshots every four hours, kept seven days; full backup nightly, kept 90 days.",
        "Restores older than seven days need Workplace services.",
    ),
    "vpn": (
        "Remote access to the internal network for employees working away from the office.",
        "Gateway firmware is updated quarterly in the Sunday window; certificates are "
        "reissued yearly in October.",
        "First line checks the client version and the user's certificate before passing "
        "the ticket on to Network operations.",
    ),
    "network": (
        "Wired and wireless networks in every office, the WAN links between them and the "
        "internet breakout.",
        "Access points are checked for firmware updates monthly. The WAN is monitored by "
        "Nordlink's NOC around the clock.",
        "A whole site without network is a major incident: call Network operations on duty "
        "at once. WAN faults go to Nordlink (contract NL-2024-117).",
    ),
    "telephony": (
        "Desk phones, softphones and the contact centre's queues and wallboards.",
        "Call recordings are kept 90 days; the SIP trunks are monitored by Nordlink.",
        "Trunk faults go to Nordlink; queue and wallboard problems to Network operations.",
    ),
    "access": (
        "User accounts, passwords, multi-factor authentication and access rights to "
        "systems and shares.",
        "Accounts of leavers are disabled by the nightly HR import; access rights are "
        "recertified by managers every quarter.",
        "First line unlocks accounts and resets passwords after verifying the caller. "
        "Access rights need the owner's approval, through an order.",
    ),
    "erp": (
        "The finance ERP: general ledger, accounts payable and receivable, invoice "
        "approval and the month-end close.",
        "Period-close jobs run on the last working day at 20:00; Application operations "
        "watches them. Database backups nightly, tested monthly.",
        "During the month-end close (last two working days) every ERP incident is at least "
        "priority 2. Product faults go to Ledgerwise (contract LW-PS-0042).",
    ),
    "crm": (
        "Customer records, contact history and sales pipeline for the bank's advisers.",
        "The search index is rebuilt every Sunday at 03:00.",
        "Data corrections need the record owner's approval.",
    ),
    "hr-portal": (
        "Self-service for employees: leave, expenses, payslips and personal data.",
        "Payslips are published on the 25th; the manager hierarchy syncs from HR nightly.",
        "Questions about pay itself go to HR, not to the service desk.",
    ),
    "reporting": (
        "The data warehouse and the dashboards and reports built on it.",
        "The nightly load starts at 02:00 and must finish by 06:30; Database operations is "
        "alerted if it does not.",
        "A report with wrong figures is first checked against the source system.",
    ),
}

# code -> (name, description, requires approval, fulfilment days)
REQUEST_ITEMS = {
    "workplace-devices": (
        ("Standard laptop", "A 14-inch laptop with docking station, set up for you.",
         True, 5),
        ("Extra monitor", "A 27-inch monitor for your desk.", False, 3),
        ("Mobile phone", "A company phone with mail and MFA set up.", True, 5),
    ),
    "access": (
        ("Access to a file share", "Read or write access to a team share.", True, 1),
        ("New employee account", "Account, mailbox and standard access for a new starter.",
         True, 3),
    ),
    "email": (
        ("Shared mailbox", "A mailbox a team shares, with its members.", True, 2),
        ("Distribution list", "A list to mail a group of people at once.", False, 1),
    ),
    "erp": (("ERP user role", "A role in the ERP, approved by the process owner.", True, 2),),
    "reporting": (("New report", "A new report or dashboard on the data warehouse.", True,
                   15),),
}

# code -> (name, description, implementation plan, backout plan, risk)
STANDARD_CHANGES = {
    "network": (
        ("Add a Wi-Fi access point", "A new access point on an existing controller.",
         "1. Mount and patch the access point.\n2. Adopt it on the controller in the "
         "right site group.\n3. Check coverage with the survey app.",
         "Unadopt the access point and unpatch it.", ChangeRisk.LOW),
    ),
    "access": (
        ("Add a user to an access group", "Grant a documented role's access group.",
         "1. Check the approval on the order.\n2. Add the account to the group.\n"
         "3. Ask the user to log out and in.",
         "Remove the account from the group.", ChangeRisk.LOW),
    ),
    "erp": (
        ("Apply the vendor's monthly patch", "Ledgerwise's monthly cumulative patch.",
         "1. Apply in test and run the smoke tests.\n2. Apply in production in the Sunday "
         "window.\n3. Run the smoke tests and check the job log.",
         "Restore the pre-patch snapshot of the application server.", ChangeRisk.MEDIUM),
    ),
    "email": (
        ("Raise a mailbox quota", "Up to 100 GB, within the licence.",
         "Set the new quota on the mailbox; tell the user.", "Set the old quota back.",
         ChangeRisk.LOW),
    ),
}

# code -> the supplier that is the last level of its support path
SUPPLIER_LEVEL = {"network": "Nordlink Telecom", "telephony": "Nordlink Telecom",
                  "erp": "Ledgerwise Software", "email": "Cloudmail Services"}


def document_catalog(services: dict[str, Service], teams: dict[str, Team], author) -> None:
    """Categories, dependencies, suppliers and their contracts, each service's dossier
    and support path, its orders and standard changes, and a first revision (by the
    system), then one later edit by the owner team's lead, so the history has a diff."""
    for position, (name, code, members) in enumerate(CATEGORIES):
        category = ServiceCategory.objects.create(name=name, code=code, position=position)
        Service.objects.filter(code__in=members).update(category=category)
    for code, service_type in SERVICE_TYPES.items():
        Service.objects.filter(code=code).update(service_type=service_type)
    for name, cadence in TEAM_CADENCES.items():
        Team.objects.filter(name=name).update(meeting_cadence=cadence)
    for code, others in DEPENDS_ON.items():
        services[code].depends_on.add(*(services[other] for other in others))

    suppliers = {}
    for name, email, phone, contract, reference, underpins, targets in SUPPLIERS:
        supplier = Supplier.objects.create(name=name, contact_email=email, phone=phone)
        suppliers[name] = supplier
        for code in underpins:
            agreement = UnderpinningContract.objects.create(
                supplier=supplier, service=services[code], name=contract,
                reference=reference, valid_from=date(2024, 1, 1))
            ContractTarget.objects.bulk_create(
                ContractTarget(contract=agreement, priority=priority,
                               response_minutes=response, resolution_minutes=resolution)
                for priority, (response, resolution) in targets.items())

    for code, (description, operations, support) in DOSSIERS.items():
        service = services[code]
        service.refresh_from_db()
        service.description, service.support_notes = description, support
        service.takes_orders = code in REQUEST_ITEMS
        service.save(update_fields=["description", "support_notes", "takes_orders"])
        path = [teams[FIRST_LINE], service.owner_team]
        SupportLevel.objects.bulk_create(
            SupportLevel(service=service, position=position, team=team)
            for position, team in enumerate(path, start=1))
        if code in SUPPLIER_LEVEL:
            supplier = suppliers[SUPPLIER_LEVEL[code]]
            contract = supplier.contracts.filter(service=service).first()
            SupportLevel.objects.create(
                service=service, position=len(path) + 1, supplier=supplier,
                note=_("Contract %(ref)s") % {"ref": contract.reference} if contract else "")
        for name, text, approval, days in REQUEST_ITEMS.get(code, ()):
            item = RequestItem.objects.create(service=service, name=name, description=text,
                                              fulfilment_days=days)
            if approval:
                ApprovalStep.objects.create(item=item, name=_("Manager"),
                                            approvers=ApproverKind.MANAGER)
        for name, text, plan, backout, risk in STANDARD_CHANGES.get(code, ()):
            StandardChange.objects.create(service=service, name=name, description=text,
                                          implementation_plan=plan, backout_plan=backout,
                                          risk=risk)
        record_revision(service, author, _("Imported from the service documentation"))
        # The owner team's lead documents the routines a little later.
        service.operations_notes = operations
        service.save(update_fields=["operations_notes"])
        record_revision(service, service.owner_team.lead,
                        _("Documented the operational routines"))
