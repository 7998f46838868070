"""The call-flow model: pure Python, no Django and no HTTP (a test holds it to that).

`graph` parses an account's devices into a graph, `devicetypes` is the one table of device types,
`findings` validates, `layout` places, `svg` and `outline_html` draw, `trace` follows a call,
`outline` reads the flow as a list, `routes` answers the account pages' questions about the flow.
"""
