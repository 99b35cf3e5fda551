"""Player pages (`/play/...`) and embeddable widgets (`/widgets.js`): what a player sees.

A bounded module: it reads through the same read functions the API's routes answer with,
and the core never imports it."""
