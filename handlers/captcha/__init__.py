"""Newcomer captcha (入群验证): newcomers prove they are human before they may post.

Admin commands: /captcha (the settings), /captcha on|off, /captcha button|math,
/captchatime <30s..1h>, /captchafail kick|ban|mute.

A newcomer is muted and asked to press a button or pick the answer to a small sum; only they
can answer. Passing lifts the mute and posts the group's welcome; a wrong last answer or the
time running out applies the failure action through moderation and deletes the challenge.
Join requests get the challenge in a private chat and are approved or declined. Admins, bots,
members an admin added and requests the bot itself approved get no captcha.

Modules: ``rules`` (pure decisions), ``feature`` (commands and events), ``resolve`` (carrying
out outcomes), ``timers`` (deadlines rebuilt from the pending table while this process leads).
"""
