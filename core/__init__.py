"""The base features build on: events, the chat port, text, features, context, i18n."""
