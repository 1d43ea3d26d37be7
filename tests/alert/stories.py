"""Enriched articles written for these tests: one cartel ambush told by five outlets (one of them a
syndicated copy), a later death-toll update, and a different clash in a nearby town the same day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pipeline.schemas import Actor, EnrichedArticle, Location

T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
DAY = T0.date().isoformat()

TEPALCATEPEC = Location(name="Tepalcatepec", country_code="MX", admin1="Michoacán", lat=19.19, lon=-102.85,
                        geonameid=3516171, precision="city", is_event_location=True)
MICHOACAN = Location(name="Michoacán", country_code="MX", admin1="Michoacán", lat=19.17, lon=-101.9,
                     geonameid=3995955, precision="admin1", is_event_location=True)
BUENAVISTA = Location(name="Buenavista", country_code="MX", admin1="Michoacán", lat=19.21, lon=-102.59,
                      geonameid=3531402, precision="city", is_event_location=True)
CJNG = Actor(name="Jalisco New Generation Cartel", category="Criminal groups", role="initiator")
POLICE = Actor(name="Police", category="State forces", role="target")
UNITED = Actor(name="Carteles Unidos", category="Criminal groups", role="initiator")
ARMY = Actor(name="Mexican Army", category="State forces", role="target")

AMBUSH = [
    ("valle-diario", "Cartel gunmen ambush state police convoy in Tepalcatepec, five officers killed",
     "Gunmen from the Jalisco New Generation Cartel ambushed a convoy of Michoacán state police on the road "
     "out of Tepalcatepec early on {day}, killing five officers, the state security ministry said. The attackers "
     "blocked the highway with burning trucks and opened fire from the hills. Two officers were wounded.",
     TEPALCATEPEC, 5),
    ("pacifico-news", "Five police dead after ambush near Tepalcatepec",
     "Five state police officers died when their patrol was ambushed near Tepalcatepec in the Tierra Caliente "
     "region of Michoacán. Officials blamed the Jalisco New Generation Cartel. Soldiers reinforced the area and "
     "helicopters searched the hills for the gunmen.",
     TEPALCATEPEC, 5),
    ("tierra-caliente-hoy", "Ambush on Michoacán police convoy: six officers killed, officials say",
     "Six officers were killed in the ambush of a state police convoy outside Tepalcatepec, according to a "
     "preliminary count by municipal officials. The Jalisco New Generation Cartel is suspected. Residents said the "
     "gunfire lasted about forty minutes.",
     TEPALCATEPEC, 6),
    ("latam-wire", "Mexico: cartel attack kills police in Michoacán",
     "Suspected members of the Jalisco New Generation Cartel attacked a police convoy in the western state of "
     "Michoacán, killing five officers, the state government said on {day}. The attack is the deadliest against "
     "police in the state this year.",
     MICHOACAN, 5),
    ("norte-syndicate", "Cartel gunmen ambush state police convoy in Tepalcatepec, five officers killed",
     "Gunmen from the Jalisco New Generation Cartel ambushed a convoy of Michoacán state police on the road "
     "out of Tepalcatepec early on {day}, killing five officers, the state security ministry said. The attackers "
     "blocked the highway with burning trucks and opened fire from the hills. Two officers were wounded.",
     TEPALCATEPEC, 5),
]
TOLL_UPDATE = ("federal-post", "Death toll in Tepalcatepec police ambush rises to nine",
               "Four more state police officers wounded in the Tepalcatepec ambush have died, bringing the number of "
               "officers killed by Jalisco New Generation Cartel gunmen to nine, the state prosecutor said.",
               TEPALCATEPEC, 9)
NEARBY = ("valle-diario", "Soldiers and Carteles Unidos gunmen clash in Buenavista",
          "Mexican Army troops fought a group of Carteles Unidos gunmen in Buenavista on {day} after the soldiers "
          "found a drug laboratory in an orchard. Two gunmen were killed and a soldier was hurt, the defence ministry "
          "said. Several rifles and a truck were seized.",
          BUENAVISTA, 2)


def enriched(i: int, story: tuple, prefix: str = "amb", minutes: int = 0, actors: list[Actor] | None = None,
             sub: str = "Armed clash") -> EnrichedArticle:
    """An EnrichedArticle for ``story`` = (source, title, body, location, fatalities)."""
    source, title, body, loc, dead = story
    return EnrichedArticle(
        id=f"{prefix}-{i}", url=f"https://{source}.example/{prefix}/{i}", source=source, title=title,
        body=body.format(day=DAY), published_at=T0 + timedelta(minutes=minutes), violent=True, event_type="Battles",
        sub_event_type=sub, confidence=0.85, location=loc, locations=[loc],
        actors=actors if actors is not None else [CJNG, POLICE], fatalities=dead, event_date=DAY,
        event_date_precision="day",
    )


def ambush_articles() -> list[EnrichedArticle]:
    """The five reports of the ambush, ten minutes apart."""
    return [enriched(i, story, minutes=10 * i) for i, story in enumerate(AMBUSH)]


def toll_update() -> EnrichedArticle:
    """The later report raising the death toll."""
    return enriched(9, TOLL_UPDATE, minutes=120)


def nearby_clash() -> EnrichedArticle:
    """A different clash the same day in a town 27 km away."""
    return enriched(1, NEARBY, prefix="bv", minutes=30, actors=[UNITED, ARMY])
