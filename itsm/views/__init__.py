"""The pages of the service desk core: ticket pages of every kind, the queue, the
portal, accounts, notifications, lookups and error pages."""
