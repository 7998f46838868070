"""`{{ number|phone }}`: a number as people read it (+44 1234 567890); forms keep the API's."""

from django import template

from callable_admin.phones import readable

register = template.Library()
register.filter("phone", readable)
