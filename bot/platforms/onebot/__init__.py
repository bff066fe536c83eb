"""OneBot v11 (QQ through NapCat or LLBot): wire <-> neutral events and the ChatPort."""
