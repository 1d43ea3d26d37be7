"""Hand-written lexicons: event triggers, context cues, actor nouns and known armed groups.

Everything here is general vocabulary or well-known group names written for this project; no
text is copied from articles or data sets.
"""

from __future__ import annotations

from dataclasses import dataclass

BATTLES = "Battles"
EXPLOSIONS = "Explosions/Remote violence"
VAC = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC = "Strategic developments"

VIOLENT_SUBTYPES: frozenset[str] = frozenset(
    {
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
        "Excessive force against protesters",
        "Protest with intervention",
        "Violent demonstration",
        "Mob violence",
    }
)


@dataclass(frozen=True)
class TriggerSpec:
    """A trigger phrase (lower-case words, each matched against a token's text or lemma)."""

    words: tuple[str, ...]
    event_type: str
    sub_event_type: str
    weight: float
    ambiguous: bool = False  # needs violent context (weapon, casualty, armed actor) nearby
    pos: str | None = None  # required POS of the head token ("VERB" / "NOUN")
    kind: str = "event"  # "event", "kill", "injure", "attack", "protest", "arrest"


def _t(phrase: str, etype: str, sub: str, weight: float, **kw) -> TriggerSpec:  # noqa: ANN003
    return TriggerSpec(tuple(phrase.lower().split()), etype, sub, weight, **kw)


TRIGGERS: tuple[TriggerSpec, ...] = (
    # Battles
    _t("clash", BATTLES, "Armed clash", 1.6, ambiguous=True, kind="clash"),
    _t("gunfight", BATTLES, "Armed clash", 2.2),
    _t("gun battle", BATTLES, "Armed clash", 2.4),
    _t("firefight", BATTLES, "Armed clash", 2.4),
    _t("shootout", BATTLES, "Armed clash", 2.2, ambiguous=True),
    _t("shoot-out", BATTLES, "Armed clash", 2.2, ambiguous=True),
    _t("exchange of fire", BATTLES, "Armed clash", 2.2),
    _t("exchange fire", BATTLES, "Armed clash", 2.2),
    _t("exchanged fire", BATTLES, "Armed clash", 2.2),
    _t("skirmish", BATTLES, "Armed clash", 1.8, ambiguous=True),
    _t("fighting", BATTLES, "Armed clash", 1.3, ambiguous=True, pos="NOUN"),
    _t("fight", BATTLES, "Armed clash", 0.9, ambiguous=True, kind="clash"),
    _t("battle", BATTLES, "Armed clash", 1.2, ambiguous=True, kind="clash"),
    _t("ambush", BATTLES, "Armed clash", 1.8, ambiguous=True, kind="attack"),
    _t("offensive", BATTLES, "Armed clash", 1.0, ambiguous=True, pos="NOUN"),
    _t("engage", BATTLES, "Armed clash", 0.8, ambiguous=True, pos="VERB", kind="clash"),
    _t("retake", BATTLES, "Government regains territory", 2.0, ambiguous=True, kind="territory"),
    _t("recapture", BATTLES, "Government regains territory", 2.2, ambiguous=True, kind="territory"),
    _t("regain control", BATTLES, "Government regains territory", 2.2, ambiguous=True, kind="territory"),
    _t("liberate", BATTLES, "Government regains territory", 1.6, ambiguous=True, kind="territory"),
    _t("seize control", BATTLES, "Non-state actor overtakes territory", 2.2, ambiguous=True, kind="territory"),
    _t("take control", BATTLES, "Non-state actor overtakes territory", 2.0, ambiguous=True, kind="territory"),
    _t("overrun", BATTLES, "Non-state actor overtakes territory", 2.2, ambiguous=True, kind="territory"),
    _t("capture the town", BATTLES, "Non-state actor overtakes territory", 2.0, ambiguous=True),
    _t("capture the city", BATTLES, "Non-state actor overtakes territory", 2.0, ambiguous=True),
    _t("capture the village", BATTLES, "Non-state actor overtakes territory", 2.0, ambiguous=True),
    _t("fall to", BATTLES, "Non-state actor overtakes territory", 1.6, ambiguous=True),
    # Explosions / remote violence
    _t("chemical attack", EXPLOSIONS, "Chemical weapon", 3.0),
    _t("chemical weapon", EXPLOSIONS, "Chemical weapon", 2.4),
    _t("sarin", EXPLOSIONS, "Chemical weapon", 2.6),
    _t("chlorine gas", EXPLOSIONS, "Chemical weapon", 2.6),
    _t("nerve agent", EXPLOSIONS, "Chemical weapon", 2.4),
    _t("mustard gas", EXPLOSIONS, "Chemical weapon", 2.6),
    _t("airstrike", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("air strike", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("air raid", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("airstrikes", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("drone strike", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("drone attack", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("bombing raid", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("glide bomb", EXPLOSIONS, "Air/drone strike", 3.2),
    _t("barrel bomb", EXPLOSIONS, "Air/drone strike", 3.2),
    _t("aerial bomb", EXPLOSIONS, "Air/drone strike", 3.2),
    _t("aerial bombardment", EXPLOSIONS, "Air/drone strike", 3.2),
    _t("warplane", EXPLOSIONS, "Air/drone strike", 2.0),
    _t("fighter jet", EXPLOSIONS, "Air/drone strike", 1.8),
    _t("helicopter gunship", EXPLOSIONS, "Air/drone strike", 2.2),
    _t("kamikaze drone", EXPLOSIONS, "Air/drone strike", 3.0),
    _t("drone", EXPLOSIONS, "Air/drone strike", 1.2, ambiguous=True),
    _t("suicide bomber", EXPLOSIONS, "Suicide bomb", 3.6),
    _t("suicide bombing", EXPLOSIONS, "Suicide bomb", 3.6),
    _t("suicide attack", EXPLOSIONS, "Suicide bomb", 3.6),
    _t("suicide car bomb", EXPLOSIONS, "Suicide bomb", 3.8),
    _t("suicide vest", EXPLOSIONS, "Suicide bomb", 3.6),
    _t("blow himself up", EXPLOSIONS, "Suicide bomb", 3.6),
    _t("blew himself up", EXPLOSIONS, "Suicide bomb", 3.6),
    _t("blew herself up", EXPLOSIONS, "Suicide bomb", 3.6),
    _t("shelling", EXPLOSIONS, "Shelling/artillery/missile attack", 2.8),
    _t("shell", EXPLOSIONS, "Shelling/artillery/missile attack", 1.6, ambiguous=True, pos="VERB"),
    _t("artillery", EXPLOSIONS, "Shelling/artillery/missile attack", 2.4),
    _t("mortar", EXPLOSIONS, "Shelling/artillery/missile attack", 2.4, ambiguous=True),
    _t("rocket", EXPLOSIONS, "Shelling/artillery/missile attack", 2.2, ambiguous=True),
    _t("missile", EXPLOSIONS, "Shelling/artillery/missile attack", 2.4, ambiguous=True),
    _t("ballistic missile", EXPLOSIONS, "Shelling/artillery/missile attack", 2.8),
    _t("barrage", EXPLOSIONS, "Shelling/artillery/missile attack", 1.6, ambiguous=True),
    _t("improvised explosive device", EXPLOSIONS, "Remote explosive/landmine/IED", 3.2),
    _t("ied", EXPLOSIONS, "Remote explosive/landmine/IED", 3.2),
    _t("roadside bomb", EXPLOSIONS, "Remote explosive/landmine/IED", 3.4),
    _t("car bomb", EXPLOSIONS, "Remote explosive/landmine/IED", 3.4),
    _t("bomb", EXPLOSIONS, "Remote explosive/landmine/IED", 2.0, ambiguous=True),
    _t("bombing", EXPLOSIONS, "Remote explosive/landmine/IED", 2.2, ambiguous=True),
    _t("landmine", EXPLOSIONS, "Remote explosive/landmine/IED", 3.0),
    _t("land mine", EXPLOSIONS, "Remote explosive/landmine/IED", 3.0),
    _t("explosive device", EXPLOSIONS, "Remote explosive/landmine/IED", 3.0),
    _t("explosive", EXPLOSIONS, "Remote explosive/landmine/IED", 1.6, ambiguous=True),
    _t("explosion", EXPLOSIONS, "Remote explosive/landmine/IED", 1.6, ambiguous=True, kind="blast"),
    _t("blast", EXPLOSIONS, "Remote explosive/landmine/IED", 1.6, ambiguous=True, kind="blast"),
    _t("explode", EXPLOSIONS, "Remote explosive/landmine/IED", 1.6, ambiguous=True, kind="blast"),
    _t("detonate", EXPLOSIONS, "Remote explosive/landmine/IED", 2.0, ambiguous=True),
    _t("grenade", EXPLOSIONS, "Grenade", 3.4),
    _t("hand grenade", EXPLOSIONS, "Grenade", 3.6),
    # Violence against civilians
    _t("rape", VAC, "Sexual violence", 2.6, ambiguous=True),
    _t("raped", VAC, "Sexual violence", 2.8),
    _t("raping", VAC, "Sexual violence", 2.8),
    _t("rapes", VAC, "Sexual violence", 2.4, ambiguous=True),
    _t("sexual assault", VAC, "Sexual violence", 2.6),
    _t("sexually assault", VAC, "Sexual violence", 2.8),
    _t("sexual violence", VAC, "Sexual violence", 2.2, ambiguous=True),
    _t("gang-rape", VAC, "Sexual violence", 3.0),
    _t("kidnap", VAC, "Abduction/forced disappearance", 2.6, kind="abduct"),
    _t("kidnapping", VAC, "Abduction/forced disappearance", 2.4, kind="abduct"),
    _t("abduct", VAC, "Abduction/forced disappearance", 2.8, kind="abduct"),
    _t("abduction", VAC, "Abduction/forced disappearance", 2.6, kind="abduct"),
    _t("forced disappearance", VAC, "Abduction/forced disappearance", 3.0),
    _t("hostage", VAC, "Abduction/forced disappearance", 1.6, ambiguous=True, kind="abduct"),
    _t("kill", VAC, "Attack", 1.6, ambiguous=True, kind="kill"),
    _t("murder", VAC, "Attack", 1.8, ambiguous=True, kind="kill"),
    _t("massacre", VAC, "Attack", 2.6, ambiguous=True, kind="kill"),
    _t("shoot dead", VAC, "Attack", 2.4, kind="kill"),
    _t("gun down", VAC, "Attack", 2.4, kind="kill"),
    _t("shoot", VAC, "Attack", 1.6, ambiguous=True, pos="VERB", kind="attack"),
    _t("shooting", VAC, "Attack", 1.8, ambiguous=True, kind="attack"),
    _t("open fire", VAC, "Attack", 2.2, kind="attack"),
    _t("stab", VAC, "Attack", 2.2, ambiguous=True, kind="attack"),
    _t("stabbing", VAC, "Attack", 2.2, ambiguous=True, kind="attack"),
    _t("hack to death", VAC, "Attack", 3.0, kind="kill"),
    _t("beat to death", VAC, "Attack", 2.6, kind="kill"),
    _t("behead", VAC, "Attack", 2.8, kind="kill"),
    _t("execute", VAC, "Attack", 1.4, ambiguous=True, pos="VERB", kind="kill"),
    _t("assassinate", VAC, "Attack", 2.6, kind="kill"),
    _t("assassination", VAC, "Attack", 2.4, ambiguous=True, kind="kill"),
    _t("torture", VAC, "Attack", 1.8, ambiguous=True, kind="attack"),
    _t("attack", VAC, "Attack", 1.4, ambiguous=True, kind="attack"),
    _t("assault", VAC, "Attack", 1.2, ambiguous=True, kind="attack"),
    _t("raid", VAC, "Attack", 1.0, ambiguous=True, kind="attack"),
    _t("body", STRATEGIC, "Other", 1.0, ambiguous=True, kind="body"),
    _t("corpse", STRATEGIC, "Other", 1.4, ambiguous=True, kind="body"),
    _t("mass grave", STRATEGIC, "Other", 2.0, kind="body"),
    _t("beat", VAC, "Attack", 1.2, ambiguous=True, pos="VERB", kind="attack"),
    _t("seize", BATTLES, "Non-state actor overtakes territory", 1.8, ambiguous=True, kind="territory"),
    _t("capture", BATTLES, "Non-state actor overtakes territory", 1.8, ambiguous=True, kind="territory"),
    _t("take over", BATTLES, "Non-state actor overtakes territory", 1.8, ambiguous=True, kind="territory"),
    _t("take", BATTLES, "Non-state actor overtakes territory", 1.4, ambiguous=True, kind="territory"),
    _t("storm", BATTLES, "Non-state actor overtakes territory", 1.2, ambiguous=True, pos="VERB", kind="territory"),
    _t("die", VAC, "Attack", 0.8, ambiguous=True, kind="kill"),
    _t("dead", VAC, "Attack", 0.8, ambiguous=True, kind="kill"),
    _t("wound", VAC, "Attack", 0.8, ambiguous=True, kind="injure"),
    _t("injure", VAC, "Attack", 0.6, ambiguous=True, kind="injure"),
    _t("arson", STRATEGIC, "Looting/property destruction", 1.2, ambiguous=True, kind="loot"),
    _t("arson attack", STRATEGIC, "Looting/property destruction", 1.8, kind="loot"),
    # Protests
    _t("protest", PROTESTS, "Peaceful protest", 1.6, ambiguous=True, kind="protest"),
    _t("protester", PROTESTS, "Peaceful protest", 1.6, kind="protest"),
    _t("protestor", PROTESTS, "Peaceful protest", 1.6, kind="protest"),
    _t("demonstration", PROTESTS, "Peaceful protest", 1.6, ambiguous=True, kind="protest"),
    _t("demonstrator", PROTESTS, "Peaceful protest", 1.6, kind="protest"),
    _t("demonstrate", PROTESTS, "Peaceful protest", 1.4, ambiguous=True, kind="protest"),
    _t("rally", PROTESTS, "Peaceful protest", 1.2, ambiguous=True, kind="protest"),
    _t("march", PROTESTS, "Peaceful protest", 1.0, ambiguous=True, kind="protest"),
    _t("marcher", PROTESTS, "Peaceful protest", 1.4, kind="protest"),
    _t("sit-in", PROTESTS, "Peaceful protest", 1.8, kind="protest"),
    _t("vigil", PROTESTS, "Peaceful protest", 1.0, ambiguous=True, kind="protest"),
    _t("picket", PROTESTS, "Peaceful protest", 1.4, ambiguous=True, kind="protest"),
    _t("walkout", PROTESTS, "Peaceful protest", 1.2, ambiguous=True, kind="protest"),
    _t("hunger strike", PROTESTS, "Peaceful protest", 1.6, kind="protest"),
    _t("strike", PROTESTS, "Peaceful protest", 0.8, ambiguous=True, kind="protest"),
    _t("tear gas", PROTESTS, "Protest with intervention", 1.6, kind="intervention"),
    _t("teargas", PROTESTS, "Protest with intervention", 1.6, kind="intervention"),
    _t("water cannon", PROTESTS, "Protest with intervention", 1.6, kind="intervention"),
    _t("rubber bullet", PROTESTS, "Protest with intervention", 1.6, kind="intervention"),
    _t("disperse", PROTESTS, "Protest with intervention", 1.2, kind="intervention"),
    _t("live ammunition", PROTESTS, "Excessive force against protesters", 1.2, kind="intervention"),
    # Riots
    _t("riot", RIOTS, "Violent demonstration", 2.2, ambiguous=True, kind="riot"),
    _t("rioter", RIOTS, "Violent demonstration", 2.4, kind="riot"),
    _t("rioting", RIOTS, "Violent demonstration", 2.4, kind="riot"),
    _t("unrest", RIOTS, "Violent demonstration", 0.8, ambiguous=True, kind="riot"),
    _t("throw stone", RIOTS, "Violent demonstration", 1.6, kind="riot"),
    _t("hurl stone", RIOTS, "Violent demonstration", 1.6, kind="riot"),
    _t("pelt", RIOTS, "Violent demonstration", 1.4, ambiguous=True, kind="riot"),
    _t("molotov cocktail", RIOTS, "Violent demonstration", 1.6, kind="riot"),
    _t("petrol bomb", RIOTS, "Violent demonstration", 1.6, kind="riot"),
    _t("mob", RIOTS, "Mob violence", 1.6, ambiguous=True, kind="mob"),
    _t("lynch", RIOTS, "Mob violence", 3.0, kind="mob"),
    _t("lynching", RIOTS, "Mob violence", 3.0, kind="mob"),
    _t("vigilante", RIOTS, "Mob violence", 1.2, ambiguous=True, kind="mob"),
    # Strategic developments
    _t("ceasefire", STRATEGIC, "Agreement", 2.0, kind="agreement"),
    _t("cease-fire", STRATEGIC, "Agreement", 2.0, kind="agreement"),
    _t("truce", STRATEGIC, "Agreement", 2.0, kind="agreement"),
    _t("peace deal", STRATEGIC, "Agreement", 2.4, kind="agreement"),
    _t("peace agreement", STRATEGIC, "Agreement", 2.4, kind="agreement"),
    _t("peace accord", STRATEGIC, "Agreement", 2.4, kind="agreement"),
    _t("sign agreement", STRATEGIC, "Agreement", 1.8, kind="agreement"),
    _t("prisoner swap", STRATEGIC, "Agreement", 2.2, kind="agreement"),
    _t("swap", STRATEGIC, "Agreement", 1.4, ambiguous=True, kind="agreement"),
    _t("prisoner exchange", STRATEGIC, "Agreement", 2.2, kind="agreement"),
    _t("agreement", STRATEGIC, "Agreement", 0.8, ambiguous=True, kind="agreement"),
    _t("arrest", STRATEGIC, "Arrests", 1.4, kind="arrest"),
    _t("detain", STRATEGIC, "Arrests", 1.2, kind="arrest"),
    _t("apprehend", STRATEGIC, "Arrests", 1.4, kind="arrest"),
    _t("round up", STRATEGIC, "Arrests", 1.2, kind="arrest"),
    _t("take into custody", STRATEGIC, "Arrests", 1.4, kind="arrest"),
    _t("defuse", STRATEGIC, "Disrupted weapons use", 2.4, kind="disrupt"),
    _t("bomb disposal", STRATEGIC, "Disrupted weapons use", 2.2, kind="disrupt"),
    _t("weapons cache", STRATEGIC, "Disrupted weapons use", 2.0, kind="disrupt"),
    _t("arms cache", STRATEGIC, "Disrupted weapons use", 2.0, kind="disrupt"),
    _t("seize weapon", STRATEGIC, "Disrupted weapons use", 1.8, kind="disrupt"),
    _t("intercept", STRATEGIC, "Disrupted weapons use", 1.2, ambiguous=True, kind="disrupt"),
    _t("shoot down", STRATEGIC, "Disrupted weapons use", 1.4, ambiguous=True, kind="disrupt"),
    _t("loot", STRATEGIC, "Looting/property destruction", 2.0, kind="loot"),
    _t("looting", STRATEGIC, "Looting/property destruction", 2.0, kind="loot"),
    _t("looter", STRATEGIC, "Looting/property destruction", 2.0, kind="loot"),
    _t("ransack", STRATEGIC, "Looting/property destruction", 2.0, kind="loot"),
    _t("vandalize", STRATEGIC, "Looting/property destruction", 1.6, kind="loot"),
    _t("vandalise", STRATEGIC, "Looting/property destruction", 1.6, kind="loot"),
    _t("torch", STRATEGIC, "Looting/property destruction", 1.4, ambiguous=True, pos="VERB", kind="loot"),
    _t("set fire", STRATEGIC, "Looting/property destruction", 1.2, kind="loot"),
    _t("set ablaze", STRATEGIC, "Looting/property destruction", 1.2, kind="loot"),
    _t("burn down", STRATEGIC, "Looting/property destruction", 1.2, kind="loot"),
    _t("set up base", STRATEGIC, "Headquarters or base established", 2.0),
    _t("establish base", STRATEGIC, "Headquarters or base established", 2.0),
    _t("establish a base", STRATEGIC, "Headquarters or base established", 2.0),
    _t("set up a base", STRATEGIC, "Headquarters or base established", 2.0),
    _t("withdraw from", STRATEGIC, "Non-violent transfer of territory", 1.2, ambiguous=True),
    _t("hand over control", STRATEGIC, "Non-violent transfer of territory", 2.0),
    _t("pull out of", STRATEGIC, "Non-violent transfer of territory", 1.2, ambiguous=True),
    _t("new armed group", STRATEGIC, "Change to group/activity", 1.6),
    _t("announce formation", STRATEGIC, "Change to group/activity", 1.8),
    _t("pledge allegiance", STRATEGIC, "Change to group/activity", 2.0),
    _t("merge", STRATEGIC, "Change to group/activity", 0.8, ambiguous=True),
    _t("disband", STRATEGIC, "Change to group/activity", 1.4, ambiguous=True),
    _t("surrender", STRATEGIC, "Change to group/activity", 1.0, ambiguous=True),
)

# Unorganised crowds whose violence is coded as Riots.
CROWD_WORDS: frozenset[str] = frozenset(
    """protester protesters protestor protestors demonstrator demonstrators rioter rioters mob mobs crowd
    crowds student students youth youths fan fans supporter supporters hooligan hooligans marcher marchers
    looter looters villager villagers resident residents""".split()
)
# Words that place crowd violence at a demonstration (or a crowd pressing demands).
PROTEST_CONTEXT: frozenset[str] = frozenset(
    """protest protests protester protesters protestor demonstration demonstrations demonstrator
    demonstrators march marcher rally demand demanding sit-in picket strike""".split()
)
# Verbs of crowd violence, and what a crowd throws.
CROWD_ACT_VERBS: frozenset[str] = frozenset("throw hurl ram smash set storm torch burn".split())
PROJECTILES: frozenset[str] = frozenset(
    """rock stone brick bottle concrete firecracker firework molotov cocktail projectile object egg chair
    debris""".split()
)
# What protesters burn to block a road (burning it alone is not a riot).
BARRICADE_MATERIAL: frozenset[str] = frozenset("tyre tire tyres tires effigy flag barricade trash garbage rubbish".split())
# Heads after "riot" that make it equipment or a unit, and words that make a grenade non-lethal.
RIOT_EQUIPMENT_HEADS: frozenset[str] = frozenset("police policeman officer gear shield squad unit control act".split())
NONLETHAL_GRENADE_WORDS: frozenset[str] = frozenset("flash-bang flashbang bang flash stun smoke tear-gas".split())

# Words that make a sentence about physical violence (weapons, casualties, armed actors).
VIOLENCE_CUES: frozenset[str] = frozenset(
    """gun rifle firearm pistol handgun shotgun ak-47 kalashnikov knife machete bullet gunfire gunshot
    ammunition weapon explosive bomb grenade mortar artillery shell rocket missile airstrike
    dead death kill killed wound wounded injure injured casualty victim body corpse hospital
    bloodshed massacre gunman gunmen militant insurgent rebel jihadist soldier troop army militia
    militiaman police policeman officer cartel gang hitman sicario bandit terrorist fighter
    shooter assailant attacker armed murder homicide fatality fatally stab shot""".split()
)

# Context detectors: words that signal a metaphorical or non-violent domain.
SPORTS_CUES: frozenset[str] = frozenset(
    """match game team league goal score scorer coach season tournament championship cup final
    semifinal quarterfinal striker defender midfielder goalkeeper football soccer basketball
    baseball cricket rugby tennis golf hockey nba nfl nhl mlb fifa uefa olympic olympics medal overtime
    playoff playoffs inning innings wicket touchdown referee stadium fans fixture derby title
    victory defeat win beat club squad player players sprinter boxer bout ufc fc""".split()
)
POLITICS_CUES: frozenset[str] = frozenset(
    """debate debates parliament mp mps lawmaker lawmakers senator senators speech verbal rhetoric
    insult insults criticism critic critics opposition vote budget tweet tweets campaign""".split()
)
CYBER_CUES: frozenset[str] = frozenset(
    """hacker hackers hack hacking cyber cyberattack cybersecurity ransomware malware phishing
    breach server servers software data password passwords network networks ddos botnet
    spyware vulnerability exploit patch computer computers website websites online
    app apps cloud encryption encrypted it""".split()
)
FINANCE_CUES: frozenset[str] = frozenset(
    """stock stocks share shares market markets investor investors trader traders index nasdaq dow
    s&p ftse nikkei bond bonds yield yields currency dollar euro price prices earnings
    profit profits revenue quarter inflation recession sell-off selloff bloodbath rally plunge
    crypto bitcoin fund funds bank banks economy economic percent tariff tariffs""".split()
)
ENTERTAINMENT_CUES: frozenset[str] = frozenset(
    """film movie movies album song songs singer band concert tour box-office box series episode
    season show tv television netflix hbo actor actress director novel book video-game videogame
    game games gamer player streaming premiere trailer character characters sequel theater
    theatre comedy drama thriller musical app smartphone iphone launch release documentary festival
    prize award awards jury screening filmmaker filmmakers oscar review sequel binge binge-watch
    expo exhibition fair showcase unveil prototype""".split()
)
ACCIDENT_CUES: frozenset[str] = frozenset(
    """crash accident collision collide earthquake quake flood flooding storm hurricane typhoon
    cyclone tornado landslide mudslide avalanche drown drowned drowning heatwave lightning
    derail derailment overdose disease outbreak pandemic covid virus cholera malaria fire
    blaze wildfire collapse collapsed capsize capsized sank stampede electrocute electrocuted
    plane helicopter traffic highway motorcycle truck bus vehicle car tsunami volcano eruption
    illness cancer heart gas cylinder leak boiler firework fireworks short-circuit explosion-proof
    pipeline refinery factory mine""".split()
)
ACCIDENT_STRONG: frozenset[str] = frozenset(
    """crash accident collision collide collided earthquake quake flood flooding storm hurricane typhoon
    cyclone tornado landslide mudslide avalanche drown drowned heatwave lightning derail derailment
    overdose outbreak cylinder leak stampede capsize capsized electrocute electrocuted tsunami""".split()
)
COMMEMORATION_CUES: frozenset[str] = frozenset(
    """anniversary commemorate commemoration commemorated memorial remembrance remember remembered
    tribute mourn mourned mourning wreath wreaths honour honor honoured honored""".split()
)
POLICY_CUES: frozenset[str] = frozenset(
    """law laws bill legislation policy policies strategy report study survey statistic statistics
    rate rates data figures conference summit debate debated parliament congress senate
    lawmakers legislators campaign election candidate proposal proposed reform budget
    programme program initiative plan""".split()
)
COURT_CUES: frozenset[str] = frozenset(
    """court trial tribunal sentence sentenced convict convicted conviction judge judges verdict testimony testify indict indicted indictment guilty acquit
    acquitted icc jailed lawsuit extradite extradited""".split()
)
ABSTRACT_PATIENTS: frozenset[str] = frozenset(
    """budget plan policy decision proposal bill law record idea reputation comment remark statement
    report strategy economy market saving savings deal reform proposal project measure tax taxes
    price prices rate rates idea ideas argument claim claims credibility""".split()
)
ABSTRACT_AGENTS: frozenset[str] = frozenset(
    """war conflict violence fighting insurgency crisis unrest campaign disease hunger famine
    drought epidemic year years decade""".split()
)
FICTION_CUES: frozenset[str] = frozenset(
    """film movie novel book series episode character characters plot fictional video game
    play drama thriller""".split()
)

# Governing verbs / nouns that make a trigger hypothetical, intended, prevented or denied.
MODAL_AUX: frozenset[str] = frozenset("will would could might may should can must shall 'll".split())
HYPOTHETICAL_HEADS: frozenset[str] = frozenset(
    """threaten vow plan warn fear prepare intend seek aim want call urge prevent avoid deter
    risk plot consider propose allege deny foil thwart train rehearse simulate imagine pretend
    promise pledge hope expect prepare could would might may rumour rumor claim hoax
    discuss ban prohibit criminalize criminalise condemn""".split()
)
HYPOTHETICAL_NOUNS: frozenset[str] = frozenset(
    """threat fear risk possibility prospect plan danger warning prevention plot drill exercise
    simulation rumour rumor hoax allegation ban law bill policy campaign film movie game
    video novel book series scene footage documentary photo photograph image picture painting
    exhibition song""".split()
)
HYPOTHETICAL_MODIFIERS: frozenset[str] = frozenset(
    """feared threatened planned possible potential rumoured rumored imagined hypothetical mock simulated
    fake foiled thwarted averted would-be""".split()
)
NON_HUMAN_AGENTS: frozenset[str] = frozenset(
    """dog dogs shark bear animal crocodile snake bee bees lion tiger elephant hippo wolf leopard
    heart panic asthma cardiac anxiety""".split()
)
NONEVENT_TITLE_CUES: frozenset[str] = frozenset(
    """drill drills exercise exercises manoeuvre manoeuvres maneuver maneuvers wargame wargames
    rehearsal harmless hoax expo exhibition""".split()
)
NEGATION_SUBJECTS: frozenset[str] = frozenset("nobody none no-one noone".split())

# Actor nouns (lemma) -> (category, armed?)
STATE = "State forces"
REBEL = "Rebel groups"
POLMIL = "Political militias"
IDMIL = "Identity militias"
RIOTERS = "Rioters"
PROTESTERS = "Protesters"
CIVILIANS = "Civilians"
OTHER = "External/Other"
CRIMINAL = "Criminal groups"

ACTOR_NOUNS: dict[str, tuple[str, bool]] = {
    # state forces
    "police": (STATE, True), "policeman": (STATE, True), "policemen": (STATE, True),
    "policewoman": (STATE, True), "police officer": (STATE, True), "officer": (STATE, True),
    "soldier": (STATE, True), "troop": (STATE, True), "army": (STATE, True), "military": (STATE, True),
    "security force": (STATE, True), "security forces": (STATE, True), "marine": (STATE, True),
    "national guard": (STATE, True), "gendarme": (STATE, True), "gendarmerie": (STATE, True),
    "border guard": (STATE, True), "paratrooper": (STATE, True), "commando": (STATE, True),
    "navy": (STATE, True), "air force": (STATE, True), "special forces": (STATE, True),
    "riot police": (STATE, True), "agent": (STATE, True), "federal agent": (STATE, True),
    "guardsman": (STATE, True), "prison guard": (STATE, True), "security personnel": (STATE, True),
    "armed forces": (STATE, True), "government forces": (STATE, True), "government troops": (STATE, True),
    "forces": (STATE, True), "force": (STATE, True), "sheriff": (STATE, True), "deputy": (STATE, True),
    # rebels / insurgents
    "rebel": (REBEL, True), "insurgent": (REBEL, True), "militant": (REBEL, True),
    "jihadist": (REBEL, True), "guerrilla": (REBEL, True), "separatist": (REBEL, True),
    "fighter": (REBEL, True), "terrorist": (REBEL, True), "extremist": (REBEL, True),
    "islamist": (REBEL, True),
    # militias
    "militia": (POLMIL, True), "militiaman": (POLMIL, True), "militiamen": (POLMIL, True),
    "paramilitary": (POLMIL, True), "gunman": (OTHER, True), "gunmen": (OTHER, True),
    "armed man": (OTHER, True), "armed men": (OTHER, True), "assailant": (OTHER, True),
    "attacker": (OTHER, True), "shooter": (OTHER, True), "armed group": (POLMIL, True),
    "unidentified gunmen": (OTHER, True), "bandit": (CRIMINAL, True),
    "unidentified group": (OTHER, True), "unknown group": (OTHER, True),
    "herder": (IDMIL, True), "herdsman": (IDMIL, True), "herdsmen": (IDMIL, True),
    "vigilante": (IDMIL, True), "ethnic militia": (IDMIL, True), "communal militia": (IDMIL, True),
    "tribesman": (IDMIL, True), "tribesmen": (IDMIL, True), "clan militia": (IDMIL, True),
    # criminals
    "cartel": (CRIMINAL, True), "gang": (CRIMINAL, True), "gang member": (CRIMINAL, True),
    "gangster": (CRIMINAL, True), "hitman": (CRIMINAL, True), "hitmen": (CRIMINAL, True),
    "sicario": (CRIMINAL, True), "trafficker": (CRIMINAL, True), "drug trafficker": (CRIMINAL, True),
    "criminal": (CRIMINAL, True), "smuggler": (CRIMINAL, True), "kidnapper": (CRIMINAL, True),
    "robber": (CRIMINAL, True), "armed robber": (CRIMINAL, True), "thug": (CRIMINAL, True),
    "pirate": (CRIMINAL, True), "narco": (CRIMINAL, True), "suspect": (CRIMINAL, False),
    # protesters / rioters
    "protester": (PROTESTERS, False), "protestor": (PROTESTERS, False),
    "demonstrator": (PROTESTERS, False), "marcher": (PROTESTERS, False), "activist": (PROTESTERS, False),
    "striker": (PROTESTERS, False),
    "rioter": (RIOTERS, False), "mob": (RIOTERS, False), "looter": (RIOTERS, False), "crowd": (RIOTERS, False),
    # civilians
    "civilian": (CIVILIANS, False), "villager": (CIVILIANS, False), "resident": (CIVILIANS, False),
    "journalist": (CIVILIANS, False), "reporter": (CIVILIANS, False), "child": (CIVILIANS, False),
    "woman": (CIVILIANS, False), "man": (CIVILIANS, False), "student": (CIVILIANS, False),
    "farmer": (CIVILIANS, False), "worshipper": (CIVILIANS, False), "passenger": (CIVILIANS, False),
    "people": (CIVILIANS, False), "person": (CIVILIANS, False), "teacher": (CIVILIANS, False),
    "pupil": (CIVILIANS, False), "schoolchild": (CIVILIANS, False), "schoolgirl": (CIVILIANS, False),
    "schoolboy": (CIVILIANS, False), "mourner": (CIVILIANS, False), "shopkeeper": (CIVILIANS, False),
    "trader": (CIVILIANS, False), "merchant": (CIVILIANS, False), "driver": (CIVILIANS, False),
    "aid worker": (CIVILIANS, False), "health worker": (CIVILIANS, False), "doctor": (CIVILIANS, False),
    "nurse": (CIVILIANS, False), "priest": (CIVILIANS, False), "pastor": (CIVILIANS, False),
    "imam": (CIVILIANS, False), "miner": (CIVILIANS, False), "fisherman": (CIVILIANS, False),
    "fishermen": (CIVILIANS, False), "migrant": (CIVILIANS, False), "refugee": (CIVILIANS, False),
    "family": (CIVILIANS, False), "relative": (CIVILIANS, False), "boy": (CIVILIANS, False),
    "girl": (CIVILIANS, False), "teenager": (CIVILIANS, False), "worker": (CIVILIANS, False),
    "mayor": (CIVILIANS, False), "politician": (CIVILIANS, False), "candidate": (CIVILIANS, False),
    "councillor": (CIVILIANS, False), "councilor": (CIVILIANS, False), "lawmaker": (CIVILIANS, False),
    "official": (CIVILIANS, False), "businessman": (CIVILIANS, False), "pedestrian": (CIVILIANS, False),
    "shopper": (CIVILIANS, False), "customer": (CIVILIANS, False), "patient": (CIVILIANS, False),
    "displaced person": (CIVILIANS, False), "bystander": (CIVILIANS, False), "victim": (CIVILIANS, False),
    "activist leader": (CIVILIANS, False), "community leader": (CIVILIANS, False),
    "human rights defender": (CIVILIANS, False), "land defender": (CIVILIANS, False),
}

# Generic actor nouns -> the ACLED-style name analysts use for them.
GENERIC_NAMES: dict[str, str] = {
    **{k: "Police" for k in ("police", "policeman", "policemen", "policewoman", "police officer", "officer",
                             "riot police", "gendarme", "gendarmerie", "sheriff", "deputy", "agent", "federal agent")},
    **{k: "Military" for k in ("soldier", "troop", "army", "military", "marine", "paratrooper", "commando",
                               "armed forces", "government forces", "government troops", "security force",
                               "security forces", "forces", "force", "navy", "air force", "special forces",
                               "guardsman", "border guard", "security personnel")},
    "national guard": "National Guard",
    **{k: "Unidentified gunmen" for k in ("gunman", "gunmen", "armed man", "armed men", "shooter", "unidentified gunmen")},
    **{k: "Unidentified attacker" for k in ("assailant", "attacker")},
    "unidentified group": "Unidentified group", "unknown group": "Unidentified group",
    **{k: "Protesters" for k in ("protester", "protestor", "demonstrator", "marcher", "activist", "striker")},
    **{k: "Rioters" for k in ("rioter", "mob", "looter", "crowd")},
    "bandit": "Bandits",
    **{k: "Gangs" for k in ("gang", "gang member", "gangster", "thug")},
    **{k: "Militants" for k in ("militant", "insurgent", "jihadist", "terrorist", "extremist", "islamist", "fighter")},
    "rebel": "Rebels", "guerrilla": "Rebels", "separatist": "Separatists",
    **{k: "Militia" for k in ("militia", "militiaman", "militiamen", "paramilitary", "armed group")},
    **{k: "Herders" for k in ("herder", "herdsman", "herdsmen")},
    **{k: "Criminals" for k in ("hitman", "hitmen", "sicario", "trafficker", "drug trafficker", "criminal",
                                "smuggler", "kidnapper", "robber", "armed robber", "pirate", "narco")},
}

# Adjectival modifiers that change an actor noun's category.
STATE_MODIFIERS: frozenset[str] = frozenset(
    "federal state municipal local national government military army navy riot security".split()
)


@dataclass(frozen=True)
class KnownGroup:
    """A named armed group, force or organisation with its category and country."""

    name: str
    category: str
    country_code: str | None
    aliases: tuple[str, ...] = ()


def _g(name: str, category: str, cc: str | None, *aliases: str) -> KnownGroup:
    return KnownGroup(name, category, cc, aliases)


KNOWN_GROUPS: tuple[KnownGroup, ...] = (
    # Mexican and Latin American criminal groups
    _g("Sinaloa Cartel", CRIMINAL, "MX", "Cartel de Sinaloa", "Sinaloa cartel", "Sinaloa Federation"),
    _g("Jalisco New Generation Cartel", CRIMINAL, "MX", "CJNG", "Cartel Jalisco Nueva Generacion",
       "Cártel Jalisco Nueva Generación", "Jalisco cartel", "Jalisco Cartel"),
    _g("Juárez Cartel", CRIMINAL, "MX", "Juarez Cartel", "Cartel de Juárez", "Cartel de Juarez",
       "Vicente Carrillo Fuentes Cartel", "La Línea", "La Linea"),
    _g("Gulf Cartel", CRIMINAL, "MX", "Cartel del Golfo", "CDG"),
    _g("Los Zetas", CRIMINAL, "MX", "Zetas"),
    _g("Cartel del Noreste", CRIMINAL, "MX", "Northeast Cartel", "CDN"),
    _g("La Familia Michoacana", CRIMINAL, "MX", "Familia Michoacana"),
    _g("Knights Templar", CRIMINAL, "MX", "Caballeros Templarios"),
    _g("Beltrán-Leyva Organization", CRIMINAL, "MX", "Beltran-Leyva Organization", "Beltrán Leyva cartel",
       "Beltran Leyva cartel", "Beltrán-Leyva cartel", "Beltran-Leyva cartel"),
    _g("Los Chapitos", CRIMINAL, "MX", "Chapitos"),
    _g("La Mayiza", CRIMINAL, "MX", "Mayos"),
    _g("Gente Nueva", CRIMINAL, "MX"),
    _g("Los Salazar", CRIMINAL, "MX"),
    _g("Guerreros Unidos", CRIMINAL, "MX"),
    _g("Los Rojos", CRIMINAL, "MX"),
    _g("Los Ardillos", CRIMINAL, "MX"),
    _g("Santa Rosa de Lima Cartel", CRIMINAL, "MX", "Santa Rosa de Lima cartel"),
    _g("Los Viagras", CRIMINAL, "MX", "Viagras"),
    _g("Cárteles Unidos", CRIMINAL, "MX", "Carteles Unidos"),
    _g("Tijuana Cartel", CRIMINAL, "MX", "Arellano Félix Organization", "Cartel de Tijuana"),
    _g("Tren de Aragua", CRIMINAL, "VE"),
    _g("MS-13", CRIMINAL, "SV", "Mara Salvatrucha", "MS13"),
    _g("Barrio 18", CRIMINAL, "SV", "18th Street gang", "Calle 18"),
    _g("Comando Vermelho", CRIMINAL, "BR", "Red Command"),
    _g("Primeiro Comando da Capital", CRIMINAL, "BR", "PCC", "First Capital Command"),
    _g("Clan del Golfo", CRIMINAL, "CO", "Gulf Clan", "Autodefensas Gaitanistas de Colombia", "AGC"),
    _g("Los Choneros", CRIMINAL, "EC", "Choneros"),
    _g("Los Lobos", CRIMINAL, "EC"),
    _g("Viv Ansanm", CRIMINAL, "HT", "G9", "G9 an Fanmi e Alye"),
    _g("400 Mawozo", CRIMINAL, "HT"),
    # Rebel / jihadist groups
    _g("Islamic State", REBEL, None, "ISIS", "ISIL", "IS", "Daesh", "Islamic State group",
       "Islamic State of Iraq and Syria", "Islamic State of Iraq and the Levant"),
    _g("Islamic State West Africa Province", REBEL, "NG", "ISWAP"),
    _g("Islamic State Sahel Province", REBEL, "ML", "IS Sahel", "ISSP", "Islamic State in the Greater Sahara", "ISGS"),
    _g("Islamic State Khorasan Province", REBEL, "AF", "ISKP", "IS-K", "ISIS-K"),
    _g("al-Shabaab", REBEL, "SO", "Al-Shabaab", "al Shabaab", "Al Shabaab", "al-Shabab", "Al-Shabab", "Shabaab"),
    _g("Boko Haram", REBEL, "NG", "JAS"),
    _g("JNIM", REBEL, "ML", "Jama'at Nasr al-Islam wal Muslimin", "Jamaat Nusrat al-Islam wal-Muslimin",
       "Group for the Support of Islam and Muslims"),
    _g("al-Qaeda", REBEL, None, "Al-Qaeda", "al Qaeda", "Al Qaeda", "al-Qaida", "Al-Qaida"),
    _g("AQIM", REBEL, None, "al-Qaeda in the Islamic Maghreb"),
    _g("AQAP", REBEL, "YE", "al-Qaeda in the Arabian Peninsula"),
    _g("Taliban", REBEL, "AF"),
    _g("Tehrik-i-Taliban Pakistan", REBEL, "PK", "TTP", "Pakistani Taliban"),
    _g("Hayat Tahrir al-Sham", REBEL, "SY", "HTS"),
    _g("Houthis", REBEL, "YE", "Houthi", "Houthi rebels", "Ansar Allah", "Ansarallah"),
    _g("Hamas", REBEL, "PS", "Qassam Brigades", "al-Qassam Brigades"),
    _g("Palestinian Islamic Jihad", REBEL, "PS", "Islamic Jihad", "Al-Quds Brigades"),
    _g("Hezbollah", REBEL, "LB", "Hizbollah", "Hizballah"),
    _g("M23", REBEL, "CD", "March 23 Movement", "M23 rebels", "AFC/M23"),
    _g("Allied Democratic Forces", REBEL, "CD", "ADF"),
    _g("CODECO", IDMIL, "CD"),
    _g("Mai-Mai", IDMIL, "CD", "Mai Mai", "Mayi-Mayi"),
    _g("Wazalendo", POLMIL, "CD"),
    _g("Volunteers for the Defence of the Homeland", POLMIL, "BF", "VDP", "Volunteers for the Defense of the Homeland"),
    _g("Macawisley", POLMIL, "SO", "Ma'awisley"),
    _g("Los Tlacos", CRIMINAL, "MX", "Tlacos"),
    _g("Radaa force", POLMIL, "LY", "Radaa", "Rada force", "Special Deterrence Force"),
    _g("Islamic State Mozambique", REBEL, "MZ", "Islamic State Mozambique Province", "ISM", "Ahlu Sunnah Wal Jamaa"),
    _g("Syrian Democratic Forces", REBEL, "SY", "SDF"),
    _g("Janjaweed", POLMIL, "SD"),
    _g("Rapid Support Forces", REBEL, "SD", "RSF"),
    _g("Sudanese Armed Forces", STATE, "SD", "SAF"),
    _g("ELN", REBEL, "CO", "National Liberation Army", "Ejército de Liberación Nacional"),
    _g("FARC dissidents", REBEL, "CO", "FARC", "EMC", "Estado Mayor Central"),
    _g("Arakan Army", REBEL, "MM", "AA"),
    _g("Kachin Independence Army", REBEL, "MM", "KIA"),
    _g("People's Defence Force", REBEL, "MM", "PDF", "People's Defense Force"),
    _g("PKK", REBEL, "TR", "Kurdistan Workers' Party", "Kurdistan Workers Party"),
    _g("Fano", IDMIL, "ET", "Fano militia"),
    _g("TPLF", REBEL, "ET", "Tigray People's Liberation Front", "Tigrayan forces"),
    _g("Oromo Liberation Army", REBEL, "ET", "OLA"),
    _g("Baloch Liberation Army", REBEL, "PK", "BLA"),
    _g("Ambazonia separatists", REBEL, "CM", "Amba Boys", "Ambazonian separatists"),
    _g("Lakurawa", REBEL, "NG"),
    _g("Ansaru", REBEL, "NG"),
    _g("New People's Army", REBEL, "PH", "NPA"),
    _g("Abu Sayyaf", REBEL, "PH"),
    _g("Lashkar-e-Taiba", REBEL, "PK", "LeT"),
    _g("Jaish-e-Mohammed", REBEL, "PK", "JeM"),
    _g("Imbonerakure", POLMIL, "BI"),
    _g("Africa Corps", STATE, "RU", "Wagner Group", "Wagner"),
    _g("Zamfara bandits", POLMIL, "NG"),
    _g("Anti-balaka", POLMIL, "CF"),
    _g("3R", REBEL, "CF"),
    _g("Ku Klux Klan", POLMIL, "US", "KKK"),
    _g("Proud Boys", POLMIL, "US"),
    # State forces with names
    _g("Israel Defense Forces", STATE, "IL", "IDF", "Israeli military", "Israeli army"),
    _g("National Guard", STATE, None, "Guardia Nacional"),
    _g("Mexican Army", STATE, "MX", "SEDENA", "Sedena", "Mexican military"),
    _g("Mexican Navy", STATE, "MX", "SEMAR", "Semar"),
    _g("Ukrainian Armed Forces", STATE, "UA", "Ukrainian forces", "Ukrainian troops", "Ukrainian military"),
    _g("Russian Armed Forces", STATE, "RU", "Russian forces", "Russian troops", "Russian military"),
    _g("FARDC", STATE, "CD", "Congolese army", "Armed Forces of the Democratic Republic of the Congo"),
    _g("Tatmadaw", STATE, "MM", "Myanmar military", "Myanmar army", "junta"),
)

# Demonyms -> ISO country code (for "Malian soldiers", "Nigerian police").
# Ethnic and religious communities whose armed members ACLED codes as identity militias
# ("Fulani herdsmen" -> Fulani ethnic militia), whatever the NER label of the word.
COMMUNITIES = frozenset("""
druze bedouin alawite sunni shia shiite yazidi fulani peul dogon bambara hausa tiv berom adara jukun
bachama tarok meitei kuki naga bodo hema lendu nuer dinka murle masalit zaghawa fur oromo amhara
tigrayan afar hawiye darod gurage pokot turkana borana toposa misseriya rizeigat pashtun hazara tuareg
turkmen
""".split())

DEMONYMS: dict[str, str] = {
    "afghan": "AF", "algerian": "DZ", "american": "US", "angolan": "AO", "argentine": "AR",
    "argentinian": "AR", "armenian": "AM", "azerbaijani": "AZ", "bangladeshi": "BD", "belarusian": "BY",
    "beninese": "BJ", "bolivian": "BO", "brazilian": "BR", "british": "GB", "burkinabe": "BF",
    "burkinabè": "BF", "burmese": "MM", "burundian": "BI", "cameroonian": "CM", "canadian": "CA",
    "central african": "CF", "chadian": "TD", "chilean": "CL", "chinese": "CN", "colombian": "CO",
    "congolese": "CD", "cuban": "CU", "ecuadorian": "EC", "ecuadoran": "EC", "egyptian": "EG",
    "eritrean": "ER", "ethiopian": "ET", "french": "FR", "georgian": "GE", "german": "DE",
    "ghanaian": "GH", "guatemalan": "GT", "guinean": "GN", "haitian": "HT", "honduran": "HN",
    "indian": "IN", "indonesian": "ID", "iranian": "IR", "iraqi": "IQ", "israeli": "IL",
    "ivorian": "CI", "jamaican": "JM", "jordanian": "JO", "kenyan": "KE", "kurdish": None,
    "lebanese": "LB", "libyan": "LY", "malian": "ML", "mauritanian": "MR", "mexican": "MX",
    "moroccan": "MA", "mozambican": "MZ", "myanmar": "MM", "nicaraguan": "NI", "nigerian": "NG",
    "nigerien": "NE", "pakistani": "PK", "palestinian": "PS", "peruvian": "PE", "filipino": "PH",
    "philippine": "PH", "russian": "RU", "rwandan": "RW", "salvadoran": "SV", "salvadorean": "SV",
    "saudi": "SA", "senegalese": "SN", "somali": "SO", "south african": "ZA", "south sudanese": "SS",
    "sudanese": "SD", "syrian": "SY", "tanzanian": "TZ", "thai": "TH", "togolese": "TG",
    "tunisian": "TN", "turkish": "TR", "ugandan": "UG", "ukrainian": "UA", "venezuelan": "VE",
    "yemeni": "YE", "zimbabwean": "ZW", "zambian": "ZM", "spanish": "ES", "italian": "IT",
    "greek": "GR", "dutch": "NL", "belgian": "BE", "swedish": "SE", "polish": "PL",
    "japanese": "JP", "korean": "KR", "north korean": "KP", "south korean": "KR", "vietnamese": "VN",
    "sri lankan": "LK", "nepali": "NP", "nepalese": "NP", "kashmiri": "IN", "tajik": "TJ",
    "kyrgyz": "KG", "uzbek": "UZ", "kazakh": "KZ", "libyan national army": "LY",
    "us": "US", "u.s.": "US",
}
