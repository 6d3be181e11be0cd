"""Words the prompt refiner adds: details per subject and scene, light per time of day, framing and lens per
kind of shot, quality wording per style. Plain data; `refine.py` picks from it."""

from __future__ import annotations

from dataclasses import dataclass

Option = tuple[str, tuple[str, ...]]  # (clause for sentence families, tags for tag families)


@dataclass(frozen=True)
class Detail:
    triggers: tuple[str, ...]
    shot: str  # framing class: person, pet, animal, macro, landscape, city, interior, space, object
    options: tuple[Option, ...]
    name: str = ""  # what notes call it ("the city"); default: the word the prompt used


# -- vocabulary -------------------------------------------------------------------------------------
# Subjects first (the thing the picture is of), then scenes (where it is) as a fallback for detail.

SUBJECTS: tuple[Detail, ...] = (
    Detail(
        ("fox", "foxes"),
        "animal",
        (
            ("with russet fur, a white-tipped tail and bright amber eyes", ("russet fur", "amber eyes")),
            ("its thick winter coat catching the light", ("thick winter coat", "bushy tail")),
        ),
    ),
    Detail(
        ("cat", "cats", "kitten", "kitty"),
        "pet",
        (
            ("with soft striped fur, long white whiskers and green eyes", ("striped fur", "long whiskers")),
            ("its sleek coat and alert ears rendered strand by strand", ("sleek coat", "alert ears")),
        ),
    ),
    Detail(
        ("dog", "dogs", "puppy", "puppies"),
        "pet",
        (
            ("with a glossy coat, floppy ears and an eager expression", ("glossy coat", "floppy ears")),
            ("its wet nose and soft fur shown in fine detail", ("wet nose", "soft fur")),
        ),
    ),
    Detail(
        ("wolf", "wolves"),
        "animal",
        (
            ("with a thick grey coat, frosted whiskers and piercing yellow eyes", ("thick grey coat", "piercing eyes")),
            ("its breath misting in the cold air", ("breath misting", "shaggy fur")),
        ),
    ),
    Detail(
        ("owl", "owls"),
        "animal",
        (
            ("with mottled brown feathers and large golden eyes", ("mottled feathers", "large golden eyes")),
            ("its soft plumage ruffled by the wind", ("ruffled plumage", "sharp talons")),
        ),
    ),
    Detail(
        ("bird", "birds", "eagle", "hawk", "parrot", "hummingbird", "sparrow", "robin", "seagulls", "crows"),
        "animal",
        (
            ("with finely barred feathers and a bright, glinting eye", ("barred feathers", "glinting eye")),
            ("its wings spread to show every feather", ("outstretched wings", "crisp plumage")),
        ),
    ),
    Detail(
        ("horse", "horses", "pony", "stallion"),
        "animal",
        (
            ("with a glossy chestnut coat and a windswept mane", ("chestnut coat", "windswept mane")),
            ("its muscles and flowing tail in motion", ("flowing tail", "powerful stride")),
        ),
    ),
    Detail(
        ("deer", "stag", "fawn", "elk", "moose"),
        "animal",
        (
            ("with velvet antlers and a soft dappled coat", ("velvet antlers", "dappled coat")),
            ("its ears pricked and breath steaming", ("pricked ears", "alert gaze")),
        ),
    ),
    Detail(
        ("rabbit", "rabbits", "bunny", "hare"),
        "pet",
        (
            ("with soft grey-brown fur and twitching whiskers", ("soft grey-brown fur", "twitching whiskers")),
            ("its long ears backlit and translucent", ("translucent ears", "fluffy tail")),
        ),
    ),
    Detail(
        ("bear", "bears"),
        "animal",
        (
            ("with shaggy brown fur and a broad, heavy muzzle", ("shaggy brown fur", "heavy muzzle")),
            ("its wet fur clumped and glistening", ("glistening wet fur", "powerful paws")),
        ),
    ),
    Detail(
        ("lion", "lions", "lioness"),
        "animal",
        (
            ("with a tawny mane and intense amber eyes", ("tawny mane", "amber eyes")),
            ("its whiskers and scarred muzzle in sharp detail", ("scarred muzzle", "golden fur")),
        ),
    ),
    Detail(
        ("tiger", "tigers"),
        "animal",
        (
            ("with bold black stripes and intense amber eyes", ("bold black stripes", "amber eyes")),
            ("its thick orange coat rippling as it moves", ("orange coat", "powerful shoulders")),
        ),
    ),
    Detail(
        ("dragon", "dragons", "wyvern"),
        "animal",
        (
            ("with iridescent scales, leathery wings and smouldering eyes", ("iridescent scales", "leathery wings")),
            ("curling smoke from its nostrils and claws gripping the rock", ("curling smoke", "sharp claws")),
        ),
    ),
    Detail(
        ("butterfly", "butterflies", "moth", "bee", "bees", "ladybug", "dragonfly", "beetle", "insect", "spider"),
        "macro",
        (
            ("with delicate patterned wings and tiny beads of dew", ("patterned wings", "dew drops")),
            ("every hair and facet of its eyes visible", ("compound eyes", "fine hairs")),
        ),
    ),
    Detail(
        ("flower", "flowers", "rose", "roses", "tulip", "tulips", "orchid", "sunflower", "sunflowers", "lily"),
        "macro",
        (
            ("with velvety petals beaded with dew and a softly glowing centre", ("velvety petals", "dew drops")),
            ("its veined petals curling at the edges", ("veined petals", "curling edges")),
        ),
    ),
    Detail(
        ("mushroom", "mushrooms", "snail", "frog", "seashell", "raindrop", "droplet"),
        "macro",
        (
            ("with a speckled surface glistening with moisture", ("speckled surface", "glistening moisture")),
            ("its tiny textures and translucent edges in crisp focus", ("tiny textures", "translucent edges")),
        ),
    ),
    Detail(
        ("astronaut", "astronauts", "cosmonaut"),
        "person",
        (
            (
                "in a scuffed white spacesuit with a reflective gold visor",
                ("scuffed spacesuit", "reflective gold visor"),
            ),
            ("mission patches and worn fabric visible on the suit", ("mission patches", "worn fabric")),
        ),
    ),
    Detail(
        ("knight", "warrior", "soldier", "samurai", "paladin"),
        "person",
        (
            ("in battle-worn plate armour etched with fine engravings", ("battle-worn armour", "fine engravings")),
            ("with a weathered face and a tattered cloak", ("weathered face", "tattered cloak")),
        ),
    ),
    Detail(
        ("wizard", "witch", "mage", "sorcerer", "sorceress", "druid"),
        "person",
        (
            ("in a flowing embroidered robe, holding a gnarled wooden staff", ("embroidered robe", "gnarled staff")),
            ("with runes glowing faintly on worn leather gloves", ("glowing runes", "worn leather gloves")),
        ),
    ),
    Detail(
        ("robot", "robots", "android", "cyborg", "mech", "mecha"),
        "person",
        (
            (
                "with brushed-steel plating, exposed cables and glowing optics",
                ("brushed steel plating", "glowing optics"),
            ),
            ("its scratched panels and rivets picked out in detail", ("scratched panels", "exposed rivets")),
        ),
    ),
    Detail(
        (
            "woman",
            "women",
            "man",
            "men",
            "girl",
            "boy",
            "person",
            "people",
            "child",
            "lady",
            "gentleman",
            "portrait",
            "headshot",
            "selfie",
            "dancer",
            "musician",
            "chef",
            "hiker",
            "traveler",
            "traveller",
            "princess",
            "king",
            "queen",
            "elf",
        ),
        "person",
        (
            (
                "with expressive eyes, natural skin texture and loose strands of hair",
                ("expressive eyes", "skin texture"),
            ),
            ("with a thoughtful expression and finely textured clothing", ("thoughtful expression", "textured fabric")),
        ),
    ),
    Detail(
        ("car", "cars", "motorcycle", "truck", "vehicle", "bicycle", "train", "locomotive"),
        "object",
        (
            ("with glossy paint, chrome trim and reflections along its curves", ("glossy paint", "chrome trim")),
            ("its worn tyres and dusty panels showing years of use", ("worn tyres", "dusty panels")),
        ),
    ),
    Detail(
        ("ship", "ships", "boat", "boats", "sailboat", "yacht", "canoe"),
        "landscape",
        (
            ("with weathered timber planks and billowing canvas sails", ("weathered timber", "billowing sails")),
            ("its hull reflected in the rippling water", ("rippling reflections", "painted hull")),
        ),
    ),
    Detail(
        ("lighthouse", "lighthouses"),
        "landscape",
        (
            (
                "with a weathered white tower and a lantern room glowing at the top",
                ("weathered tower", "glowing lantern"),
            ),
            ("spray breaking on the rocks at its base", ("crashing spray", "wet rocks")),
        ),
    ),
    Detail(
        ("castle", "castles", "palace", "fortress", "tower", "cathedral", "temple"),
        "landscape",
        (
            ("with moss-covered stone walls, turrets and fluttering banners", ("moss-covered stone", "turrets")),
            ("its carved archways and ivy-clad battlements in detail", ("carved archways", "ivy-clad walls")),
        ),
    ),
    Detail(
        ("house", "houses", "cabin", "cottage", "hut", "home", "barn"),
        "landscape",
        (
            ("with a timber frame, a stone chimney and warm light in the windows", ("timber frame", "stone chimney")),
            ("smoke curling from its chimney over a weathered roof", ("curling chimney smoke", "weathered roof")),
        ),
    ),
    Detail(
        ("tree", "trees", "oak", "willow", "sakura", "bonsai"),
        "landscape",
        (
            ("with gnarled bark and a canopy of layered leaves", ("gnarled bark", "layered leaves")),
            ("its twisting roots gripping mossy ground", ("twisting roots", "mossy ground")),
        ),
    ),
    Detail(
        ("coffee", "tea", "cup", "mug", "latte", "espresso"),
        "macro",
        (
            ("with wisps of steam and a glossy ceramic glaze", ("wisps of steam", "ceramic glaze")),
            ("fine latte foam and droplets on the rim", ("latte foam", "droplets on the rim")),
        ),
    ),
    Detail(
        ("cake", "burger", "pizza", "sushi", "bread", "fruit", "dessert", "salad", "food", "dish", "breakfast"),
        "object",
        (
            ("with glistening textures, crisp edges and fresh garnish", ("glistening textures", "fresh garnish")),
            ("crumbs and a light dusting of flour on the board", ("scattered crumbs", "rustic board")),
        ),
    ),
    Detail(
        ("bottle", "perfume", "watch", "sneaker", "sneakers", "shoe", "shoes", "jewelry", "jewellery", "product"),
        "object",
        (
            ("with crisp material detail and subtle reflections", ("crisp material detail", "subtle reflections")),
            ("its polished edges catching small highlights", ("polished edges", "specular highlights")),
        ),
    ),
)

SCENES: tuple[Detail, ...] = (
    Detail(
        ("city", "street", "streets", "alley", "town", "downtown", "skyline", "cyberpunk", "metropolis", "village"),
        "city",
        (
            (
                "with wet cobblestones, glowing neon signs and steam rising from the drains",
                ("wet cobblestones", "neon signs"),
            ),
            ("with crowded shopfronts, tangled cables and puddles reflecting the lights", ("shopfronts", "puddles")),
        ),
        "city",
    ),
    Detail(
        ("room", "kitchen", "bedroom", "library", "cafe", "studio", "interior", "office", "restaurant"),
        "interior",
        (
            ("with worn wooden floors, stacked books and plants on the sill", ("wooden floors", "potted plants")),
            ("with textured plaster walls and soft fabric furnishings", ("plaster walls", "fabric furnishings")),
        ),
        "room",
    ),
    Detail(
        ("forest", "woods", "jungle", "woodland", "grove", "rainforest"),
        "landscape",
        (
            ("with moss-covered trunks, ferns and fallen leaves underfoot", ("moss-covered trunks", "ferns")),
            ("with tangled roots and shafts of dust in the air", ("tangled roots", "floating dust")),
        ),
        "forest",
    ),
    Detail(
        ("mountain", "mountains", "peak", "peaks", "alps", "cliff", "cliffs", "volcano", "ridge"),
        "landscape",
        (
            ("with jagged granite ridges, snowfields and drifting clouds", ("jagged granite ridges", "snowfields")),
            ("with scree slopes and a winding trail below the summit", ("scree slopes", "winding trail")),
        ),
        "mountains",
    ),
    Detail(
        ("ocean", "sea", "beach", "coast", "shore", "waves", "bay", "island", "seascape"),
        "landscape",
        (
            ("with white-capped waves, wet sand and scattered shells", ("white-capped waves", "wet sand")),
            ("with sea foam curling around dark rocks", ("sea foam", "dark rocks")),
        ),
        "coast",
    ),
    Detail(
        ("lake", "river", "pond", "lagoon", "waterfall", "stream"),
        "landscape",
        (
            ("with glassy water mirroring the shoreline and reeds at the edge", ("glassy water", "reeds")),
            ("with smooth pebbles visible beneath the clear surface", ("smooth pebbles", "clear water")),
        ),
        "water",
    ),
    Detail(
        ("desert", "dune", "dunes", "canyon", "sahara", "mesa"),
        "landscape",
        (
            ("with wind-rippled sand and sun-bleached rock formations", ("wind-rippled sand", "sun-bleached rock")),
            ("with dry scrub and heat shimmer on the horizon", ("dry scrub", "heat shimmer")),
        ),
        "desert",
    ),
    Detail(
        ("space", "galaxy", "nebula", "cosmos", "universe", "planet", "planets", "stars"),
        "space",
        (
            ("with glittering star fields and wisps of coloured nebula gas", ("glittering star fields", "nebula gas")),
            ("with a ringed planet and distant galaxies in the deep black", ("ringed planet", "distant galaxies")),
        ),
        "space scene",
    ),
    Detail(
        ("garden", "meadow", "fields", "valley", "hills", "countryside", "farm", "landscape", "prairie"),
        "landscape",
        (
            ("with wildflowers, tall swaying grass and a winding path", ("wildflowers", "swaying grass")),
            ("with hedgerows and rolling patchwork fields into the distance", ("hedgerows", "patchwork fields")),
        ),
        "landscape",
    ),
    Detail(
        ("snow", "winter", "arctic", "glacier", "ice", "tundra"),
        "landscape",
        (
            ("with fresh powder snow sparkling and icicles along the edges", ("powder snow", "icicles")),
            ("with frost-rimed branches and blue shadows in the drifts", ("frost-rimed branches", "blue shadows")),
        ),
        "winter scene",
    ),
    Detail(
        ("underwater", "reef", "coral", "aquarium"),
        "landscape",
        (
            ("with branching coral, drifting particles and small darting fish", ("branching coral", "darting fish")),
            ("with swaying kelp and sunbeams through the water", ("swaying kelp", "suspended particles")),
        ),
        "underwater scene",
    ),
    Detail(
        ("sky", "clouds", "horizon", "aurora"),
        "landscape",
        (
            ("with towering, sculpted clouds and a silhouetted horizon", ("towering clouds", "silhouetted horizon")),
            ("with layered bands of colour across a wide sky", ("layered colour bands", "vast sky")),
        ),
        "sky",
    ),
)

GENERIC_DETAIL: tuple[Option, ...] = (
    ("rendered with fine surface texture and tactile material detail", ("fine surface texture", "material detail")),
    ("with intricate small details and subtle natural imperfections", ("intricate details", "natural imperfections")),
)

# Lighting by the time or mood the prompt names (first match wins), then by the kind of shot.
LIGHTING_CUES: tuple[tuple[tuple[str, ...], tuple[Option, ...]], ...] = (
    (
        ("dawn", "sunrise", "morning", "daybreak", "first light"),
        (
            ("bathed in soft golden-hour backlight with long, gentle shadows", ("soft golden-hour backlight",)),
            ("lit by pale pink first light glowing on the horizon", ("pale pink first light", "glowing horizon")),
            ("with a warm low sun and long shadows", ("warm low sun", "long shadows")),
        ),
    ),
    (
        ("sunset", "golden hour", "evening", "sundown"),
        (
            ("lit by a warm, low sun with long shadows and a glowing rim", ("warm low sun", "glowing rim light")),
            ("glowing in amber sunset light with a soft lens flare", ("amber sunset light", "soft lens flare")),
            ("with long shadows and a warm orange glow", ("long shadows", "warm glow")),
        ),
    ),
    (
        ("dusk", "twilight", "blue hour"),
        (
            ("in cool blue-hour light with warm glowing windows", ("cool blue-hour light", "warm window glow")),
            ("with a deep indigo sky and the first lamps flickering on", ("indigo sky", "flickering lamps")),
        ),
    ),
    (
        ("neon", "cyberpunk", "synthwave", "vaporwave"),
        (
            ("lit by glowing signs with magenta and cyan reflections", ("magenta and cyan reflections",)),
            ("with coloured light spilling onto wet surfaces", ("coloured light spill", "wet reflections")),
        ),
    ),
    (
        ("northern lights", "aurora", "borealis"),
        (
            ("bathed in the shimmering green glow of the aurora, reflected on the ground", ("green aurora glow",)),
            ("with ribbons of green and violet light rippling across the sky", ("ribbons of green light",)),
        ),
    ),
    (
        ("night", "midnight", "moon", "moonlit", "moonlight", "starry", "nighttime"),
        (
            ("picked out by cool moonlit rim light against deep shadows", ("moonlit rim light", "deep shadows")),
            ("lit by scattered warm lantern light in the darkness", ("warm lantern light", "dark ambience")),
            ("with a cold silver glow and deep blue shadows", ("silver glow", "blue shadows")),
        ),
    ),
    (
        ("storm", "stormy", "thunder", "thunderstorm", "lightning"),
        (
            ("with dramatic shafts of light breaking through the clouds", ("dramatic light shafts", "breaking clouds")),
            ("under brooding skies with a sudden bright highlight", ("brooding skies", "sudden highlight")),
        ),
    ),
    (
        ("fog", "foggy", "mist", "misty", "haze", "hazy"),
        (
            ("in soft diffused light with gentle volumetric rays", ("diffused light", "volumetric rays")),
            (
                "with pale, even light and silhouettes fading into the distance",
                ("pale even light", "fading silhouettes"),
            ),
        ),
    ),
    (
        ("underwater", "reef", "coral"),
        (
            ("with rippling caustic light falling from the surface above", ("caustic light", "sunbeams from above")),
            ("with shimmering beams filtering down through the water", ("shimmering beams",)),
        ),
    ),
    (
        ("rain", "rainy", "raining", "drizzle"),
        (
            ("in soft grey light with glistening reflections on wet surfaces", ("soft grey light", "wet reflections")),
            ("with streetlights blooming through the falling rain", ("blooming streetlights",)),
        ),
    ),
)
LIGHTING_BY_SHOT: dict[str, tuple[Option, ...]] = {
    "pet": (
        ("lit by soft window light with gentle shadows", ("soft window light", "gentle shadows")),
        ("in warm afternoon light glowing on its fur", ("warm afternoon light",)),
    ),
    "person": (
        ("lit by soft window light with gentle shadows", ("soft window light", "gentle shadows")),
        ("in soft studio light with a subtle rim light", ("softbox lighting", "subtle rim light")),
        ("with a warm key light and soft fill on the face", ("warm key light", "soft fill")),
    ),
    "interior": (
        ("lit by soft window light with gentle shadows", ("soft window light", "gentle shadows")),
        ("with warm lamplight pooling in the corners", ("warm lamplight", "cosy glow")),
    ),
    "macro": (
        ("in soft, diffused daylight with a gentle highlight", ("soft diffused daylight", "gentle highlight")),
        ("backlit so the edges glow", ("backlit edges",)),
    ),
    "object": (
        ("lit by a large softbox with a clean gradient backdrop", ("softbox lighting", "gradient backdrop")),
        ("with soft studio light and crisp, controlled reflections", ("studio lighting", "controlled reflections")),
    ),
    "space": (
        ("lit by the hard light of a distant star", ("hard starlight", "deep shadows")),
        ("with a bright rim of sunlight along the edges", ("rim of sunlight",)),
    ),
}
DEFAULT_LIGHTING: tuple[Option, ...] = (
    ("in soft natural daylight with gentle, directional shadows", ("soft natural daylight", "directional shadows")),
    ("under a bright overcast sky with even, flattering light", ("overcast sky", "even light")),
    ("with a warm glow and long shadows", ("warm glow", "long shadows")),
)

COMPOSITION: dict[str, tuple[Option, ...]] = {
    "person": (
        ("framed as a close head-and-shoulders portrait with the eyes on the upper third", ("close-up portrait",)),
        ("framed at three-quarter length with soft negative space around the figure", ("three-quarter view",)),
    ),
    "pet": (
        ("framed at eye level on the rule of thirds, with open space in the direction it faces", ("eye-level",)),
        ("framed close, filling most of the frame with a softly blurred room behind", ("close-up",)),
    ),
    "animal": (
        ("framed on the rule of thirds with open space in the direction it faces", ("rule of thirds", "eye-level")),
        ("composed at eye level with a blurred foreground layer", ("eye-level shot", "foreground blur")),
    ),
    "macro": (
        ("framed as a tight close-up that fills the frame", ("extreme close-up", "fills the frame")),
        ("composed off-centre against a clean, uncluttered background", ("off-centre", "clean background")),
    ),
    "landscape": (
        (
            "composed on the rule of thirds with foreground interest leading the eye into the distance",
            ("rule of thirds", "foreground interest"),
        ),
        ("composed as a sweeping panorama with a low horizon", ("panoramic", "low horizon")),
    ),
    "city": (
        ("composed with leading lines drawing the eye to a vanishing point", ("leading lines", "vanishing point")),
        ("framed at street level on the rule of thirds", ("street level", "rule of thirds")),
    ),
    "interior": (
        ("composed at eye level with depth from the foreground to the back wall", ("eye-level", "layered depth")),
        ("framed through a doorway for a sense of depth", ("framed through a doorway",)),
    ),
    "space": (
        ("composed wide, with the main body off-centre against the dark", ("wide shot", "off-centre")),
        ("framed on the rule of thirds with vast empty space around it", ("rule of thirds", "negative space")),
    ),
    "object": (
        ("centred on a clean backdrop with generous negative space", ("centered composition", "negative space")),
        ("shown from a low three-quarter angle on a simple surface", ("three-quarter angle", "simple surface")),
    ),
}

LENS: dict[str, tuple[Option, ...]] = {
    "pet": (
        ("shot on an 85mm lens at f/2 with a softly blurred background", ("85mm", "f/2", "background blur")),
        ("shot on a 50mm lens at f/1.8", ("50mm", "f/1.8")),
        ("with a shallow depth of field and creamy bokeh", ("shallow depth of field", "bokeh")),
    ),
    "person": (
        ("shot on an 85mm lens at f/1.8 with a shallow depth of field", ("85mm", "f/1.8", "shallow depth of field")),
        ("shot on a 105mm lens with creamy background bokeh", ("105mm", "bokeh")),
        ("with a shallow depth of field and softly blurred background", ("shallow depth of field",)),
    ),
    "animal": (
        ("shot on a 300mm telephoto lens with a softly blurred background", ("300mm telephoto", "background blur")),
        ("shot on a 400mm lens at f/4, isolating it from the background", ("400mm", "f/4")),
        ("with a compressed telephoto perspective and creamy bokeh", ("telephoto compression", "bokeh")),
    ),
    "macro": (
        ("shot with a 100mm macro lens and razor-thin focus", ("100mm macro", "razor-thin focus")),
        ("shot with a 60mm macro lens at f/2.8", ("60mm macro", "f/2.8")),
        ("with extreme magnification and a creamy, out-of-focus background", ("extreme magnification", "bokeh")),
    ),
    "landscape": (
        ("captured with a 24mm wide-angle lens, sharp from front to back", ("24mm wide angle", "deep focus")),
        ("captured with a 16mm ultra-wide lens at f/11", ("16mm ultra-wide", "f/11")),
        ("with a wide-angle perspective and deep focus", ("wide-angle perspective", "deep focus")),
    ),
    "city": (
        ("shot on a 35mm lens at eye level", ("35mm", "street photography")),
        ("captured with a 24mm wide-angle lens", ("24mm wide angle",)),
        ("with a natural, documentary perspective", ("documentary perspective",)),
    ),
    "interior": (
        ("shot with a 24mm lens for an airy sense of space", ("24mm", "architectural photography")),
        ("captured with a tilt-shift lens keeping verticals straight", ("tilt-shift", "straight verticals")),
    ),
    "space": (
        ("seen through a wide-field telescope with pin-sharp stars", ("wide-field telescope", "pin-sharp stars")),
        ("captured as a long exposure on a 14mm lens", ("long exposure", "14mm")),
    ),
    "object": (
        ("shot on a 90mm lens at f/5.6 with crisp, even focus", ("90mm", "f/5.6")),
        ("shot on a 50mm lens at f/4 with a gentle falloff in focus", ("50mm", "f/4")),
        ("with crisp focus and a gently blurred background", ("crisp focus",)),
    ),
}
# Paintings and illustrations have no lens: the same idea as a point of view.
PERSPECTIVE: dict[str, tuple[Option, ...]] = {
    "person": (("seen from an intimate portrait viewpoint, the background softly blurred", ("portrait perspective",)),),
    "pet": (("seen from its own eye level, the background softly blurred", ("eye-level viewpoint",)),),
    "animal": (("seen from a low, close viewpoint with a softly blurred background", ("low viewpoint",)),),
    "macro": (("seen up close, as if through a magnifying glass", ("magnified close-up view",)),),
    "landscape": (("with a sweeping wide-angle perspective", ("wide-angle perspective",)),),
    "city": (("seen from street level with a natural perspective", ("street-level perspective",)),),
    "interior": (("seen from a wide, slightly elevated viewpoint", ("elevated viewpoint",)),),
    "space": (("with a vast, wide-field perspective", ("wide-field perspective",)),),
    "object": (("seen from a low three-quarter viewpoint", ("three-quarter viewpoint",)),),
}

# Quality: plain sentences for natural-language models, tags for SD-style ones. Keyed by style group.
QUALITY_SENTENCES: dict[str, tuple[str, ...]] = {
    "photo": (
        "Highly detailed and crisp, with true-to-life colour and fine texture",
        "Sharp throughout, with rich tonal range and natural colour",
        "Precise, lifelike rendering with subtle contrast",
    ),
    "painting": (
        "Richly detailed, with confident visible brushwork and a harmonious palette",
        "Layered colour and expressive strokes, finished with care",
        "Painterly finish with subtle glazes",
    ),
    "graphic": (
        "Clean linework, crisp detail and a harmonious colour palette",
        "Polished, with precise shapes and balanced colour",
    ),
    "render": (
        "Crisp detail, physically based materials and clean global illumination",
        "Polished surfaces with accurate reflections and soft ambient occlusion",
    ),
}
QUALITY_TAGS: dict[str, tuple[str, ...]] = {
    "photo": ("highly detailed", "sharp focus", "8k", "professional photography", "realistic textures"),
    "painting": ("highly detailed", "intricate brushwork", "sharp focus", "8k"),
    "graphic": ("highly detailed", "clean lineart", "vibrant colors", "sharp focus"),
    "render": ("highly detailed", "octane render", "global illumination", "8k"),
}
STYLE_GROUPS = {
    "oil-painting": "painting",
    "watercolor": "painting",
    "sketch": "painting",
    "anime": "graphic",
    "digital-art": "graphic",
    "line-art": "graphic",
    "pixel-art": "graphic",
    "low-poly": "graphic",
    "3d-render": "render",
}
NEGATIVE_TERMS = ("blurry", "lowres", "jpeg artifacts", "watermark", "text", "deformed")
NEGATIVE_PEOPLE = ("extra fingers", "bad hands")
SHOT_NAMES = {
    "person": "portrait",
    "pet": "pet portrait",
    "animal": "wildlife",
    "macro": "close-up",
    "landscape": "landscape",
    "city": "street",
    "interior": "interior",
    "space": "space",
    "object": "product",
}

# -- variations (variations.py) ----------------------------------------------------------------------
# Close synonyms for descriptive words: colours, moods, sizes, light and weather, and the common nouns of
# places. Never the nouns of subjects (a fox stays a fox). Each alternative is a drop-in replacement that
# reads right where the word was; none repeats the word it replaces.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # colours
    "red": ("crimson", "scarlet", "ruby"),
    "blue": ("azure", "cobalt", "sapphire"),
    "green": ("emerald", "verdant", "jade"),
    "yellow": ("golden", "saffron", "lemon"),
    "orange": ("amber", "tangerine", "copper"),
    "purple": ("violet", "plum", "amethyst"),
    "pink": ("rose", "blush", "coral"),
    "white": ("ivory", "pearl", "alabaster"),
    "black": ("ebony", "inky", "pitch-dark"),
    "grey": ("slate", "ashen", "pewter"),
    "gray": ("slate", "ashen", "pewter"),
    "brown": ("chestnut", "umber", "russet"),
    "golden": ("gilded", "honeyed", "amber"),
    "silver": ("pewter", "platinum"),
    "turquoise": ("teal", "aquamarine"),
    "pastel": ("soft-hued", "muted", "powdery"),
    "vibrant": ("vivid", "saturated", "bold"),
    "colorful": ("vivid", "many-hued", "kaleidoscopic"),
    "colourful": ("vivid", "many-hued", "kaleidoscopic"),
    # moods
    "happy": ("joyful", "cheerful", "gleeful"),
    "sad": ("melancholy", "sorrowful", "wistful"),
    "calm": ("serene", "tranquil", "still"),
    "peaceful": ("serene", "tranquil", "restful"),
    "serene": ("tranquil", "calm", "peaceful"),
    "quiet": ("hushed", "still", "silent"),
    "mysterious": ("enigmatic", "mystic", "secretive"),
    "eerie": ("uncanny", "haunting", "ghostly"),
    "spooky": ("eerie", "haunted", "ghostly"),
    "creepy": ("unsettling", "sinister", "uncanny"),
    "scary": ("menacing", "frightening", "ominous"),
    "dark": ("shadowy", "dim", "gloomy"),
    "gloomy": ("brooding", "somber", "dismal"),
    "moody": ("brooding", "atmospheric", "somber"),
    "dramatic": ("striking", "theatrical", "bold"),
    "cozy": ("snug", "homely", "inviting"),
    "cosy": ("snug", "homely", "inviting"),
    "dreamy": ("ethereal", "dreamlike", "hazy"),
    "ethereal": ("otherworldly", "dreamlike", "airy"),
    "magical": ("enchanted", "mystical", "otherworldly"),
    "whimsical": ("playful", "fanciful", "quirky"),
    "romantic": ("tender", "intimate", "wistful"),
    "epic": ("grand", "monumental", "sweeping"),
    "majestic": ("regal", "stately", "grand"),
    "beautiful": ("lovely", "gorgeous", "stunning"),
    "cute": ("adorable", "sweet", "charming"),
    "elegant": ("graceful", "refined", "stylish"),
    "lonely": ("solitary", "lone", "isolated"),
    "lone": ("solitary", "single", "lonely"),
    "wild": ("untamed", "feral", "rugged"),
    "futuristic": ("high-tech", "sci-fi", "space-age"),
    "ancient": ("age-old", "timeworn", "primeval"),
    "old": ("aged", "weathered", "timeworn"),
    "vintage": ("retro", "antique", "old-fashioned"),
    "modern": ("contemporary", "sleek", "minimalist"),
    "rustic": ("homespun", "rough-hewn", "country-style"),
    # sizes
    "big": ("large", "huge", "massive"),
    "large": ("huge", "vast", "sizable"),
    "small": ("little", "tiny", "petite"),
    "little": ("small", "tiny", "wee"),
    "tiny": ("minuscule", "miniature", "wee"),
    "huge": ("enormous", "massive", "colossal"),
    "giant": ("colossal", "gigantic", "towering"),
    "enormous": ("immense", "gigantic", "vast"),
    "massive": ("colossal", "immense", "hulking"),
    "tall": ("towering", "lofty", "soaring"),
    "vast": ("sprawling", "boundless", "expansive"),
    "narrow": ("slender", "tight", "cramped"),
    "wide": ("broad", "sweeping", "expansive"),
    # light, weather, time of day
    "bright": ("radiant", "luminous", "brilliant"),
    "glowing": ("luminous", "radiant", "shining"),
    "shining": ("gleaming", "glowing", "radiant"),
    "dim": ("low-lit", "faint", "murky"),
    "sunny": ("sunlit", "sun-drenched", "bright"),
    "sunlit": ("sun-drenched", "sunny", "sun-dappled"),
    "snowy": ("snow-covered", "wintry", "snowbound"),
    "misty": ("foggy", "hazy", "vaporous"),
    "foggy": ("misty", "hazy", "murky"),
    "hazy": ("misty", "muted", "smoky"),
    "stormy": ("tempestuous", "storm-tossed", "blustery"),
    "rainy": ("rain-soaked", "drizzly", "wet"),
    "cloudy": ("overcast", "clouded", "grey-skied"),
    "dawn": ("daybreak", "sunrise", "first light"),
    "sunrise": ("daybreak", "dawn", "first light"),
    "sunset": ("sundown", "day's end", "dusk"),
    "dusk": ("twilight", "nightfall", "gloaming"),
    "twilight": ("dusk", "gloaming", "nightfall"),
    "night": ("midnight", "nighttime"),
    "moonlit": ("moon-washed", "moon-bathed"),
    "golden hour": ("magic hour", "late golden light"),
    "blue hour": ("twilight", "dusk"),
    "neon": ("electric", "fluorescent"),
    "shadowy": ("dusky", "dim", "murky"),
    "warm": ("mellow", "balmy", "glowing"),
    "cold": ("icy", "frigid", "chilly"),
    "frozen": ("icy", "frosted", "ice-bound"),
    "icy": ("frozen", "frosty", "glacial"),
    "lush": ("verdant", "overgrown", "leafy"),
    "dense": ("thick", "tangled", "teeming"),
    "sparkling": ("glittering", "shimmering", "twinkling"),
    "shimmering": ("glimmering", "glittering", "iridescent"),
    "glittering": ("sparkling", "twinkling", "glinting"),
    "soft": ("gentle", "delicate", "muted"),
    # places and common nouns
    "forest": ("woodland", "wildwood", "greenwood"),
    "woods": ("forest", "woodland", "thicket"),
    "jungle": ("rainforest",),
    "mountain": ("peak", "summit"),
    "mountains": ("peaks", "highlands", "summits"),
    "hill": ("knoll", "rise"),
    "hills": ("slopes", "uplands", "downs"),
    "ocean": ("sea",),
    "sea": ("ocean",),
    "beach": ("shore", "seashore"),
    "coast": ("shoreline", "coastline", "seaboard"),
    "lake": ("mere", "tarn", "loch"),
    "river": ("waterway", "watercourse"),
    "stream": ("brook", "creek", "rill"),
    "field": ("meadow", "pasture"),
    "fields": ("meadows", "pastures"),
    "meadow": ("field", "pasture", "glade"),
    "valley": ("vale", "dale", "glen"),
    "desert": ("wasteland", "wilderness"),
    "city": ("metropolis", "cityscape"),
    "street": ("avenue", "boulevard", "lane"),
    "road": ("lane", "highway", "track"),
    "path": ("trail", "track", "footpath"),
    "alley": ("alleyway", "backstreet", "lane"),
    "town": ("village", "township"),
    "village": ("hamlet", "settlement"),
    "house": ("home", "dwelling"),
    "cabin": ("hut", "lodge", "cottage"),
    "cottage": ("cabin", "bungalow"),
    "castle": ("fortress", "citadel", "stronghold"),
    "room": ("chamber",),
    "windowsill": ("window ledge", "sill"),
    "rock": ("stone", "boulder"),
    "rocks": ("stones", "boulders"),
    "planet": ("world", "orb"),
    "flowers": ("blossoms", "blooms"),
    "flower": ("blossom", "bloom"),
    "leaves": ("foliage",),
    "waves": ("breakers", "surf", "swell"),
    "snow": ("powder", "snowfall"),
    "rain": ("drizzle", "downpour", "rainfall"),
    "fog": ("mist", "haze"),
    "mist": ("fog", "haze"),
    "shadows": ("shade", "gloom"),
}

# Details for variations, by kind of shot: a moment, a companion or a prop that fits the picture, as
# (clause for sentence families, tags for tag families). Different from refine's subject detail: they add
# something to the scene rather than describe the subject's surface.
DETAIL_BY_SHOT: dict[str, tuple[Option, ...]] = {
    "animal": (
        ("pausing mid-stride with one paw raised", ("mid-stride", "raised paw")),
        ("leaving a line of fresh tracks behind it", ("fresh tracks",)),
        ("its ears turned towards a distant sound", ("alert ears", "watchful pose")),
        ("with a few drifting leaves caught in the air around it", ("drifting leaves",)),
    ),
    "pet": (
        ("curled up on a chunky knitted blanket", ("knitted blanket", "curled up")),
        ("next to a well-loved, slightly chewed toy", ("chewed toy",)),
        ("looking up with its head tilted to one side", ("head tilt", "looking up")),
        ("in a patch of sunlight on a wooden floor", ("sunlight patch", "wooden floor")),
    ),
    "person": (
        ("caught mid-laugh, eyes creased with warmth", ("mid-laugh", "candid moment")),
        ("holding a worn leather notebook", ("leather notebook",)),
        ("with a light scarf lifting in the breeze", ("scarf in the breeze",)),
        ("glancing over one shoulder", ("over-the-shoulder glance",)),
    ),
    "macro": (
        ("with a single drop of water about to fall", ("falling water drop",)),
        ("with a tiny ladybird climbing along the edge", ("tiny ladybird",)),
        ("with fine pollen dust scattered across it", ("pollen dust",)),
        ("resting on a bed of soft green moss", ("soft moss", "green bed")),
    ),
    "landscape": (
        ("with a lone figure walking in the distance", ("lone distant figure",)),
        ("with a flock of birds crossing the sky", ("flock of birds",)),
        ("with a narrow footpath winding through the foreground", ("winding footpath",)),
        ("with a small wooden bench looking out over the view", ("wooden bench",)),
    ),
    "city": (
        ("with a cyclist blurring past in the foreground", ("passing cyclist", "motion blur")),
        ("with a street vendor's cart glowing on the corner", ("street vendor cart",)),
        ("with laundry strung between the balconies overhead", ("hanging laundry", "balconies")),
        ("with a single red umbrella in the crowd", ("red umbrella",)),
    ),
    "interior": (
        ("with a cat asleep on the armchair", ("sleeping cat", "armchair")),
        ("with a half-finished cup of tea on the table", ("cup of tea",)),
        ("with an open book left face down on the sofa", ("open book",)),
        ("with fairy lights strung along the shelves", ("fairy lights",)),
    ),
    "space": (
        ("with a tiny spacecraft crossing the frame", ("tiny spacecraft",)),
        ("with a comet trailing a bright tail", ("comet tail",)),
        ("with a distant moon casting a thin crescent of light", ("crescent moon",)),
        ("with drifting asteroid fragments catching the light", ("asteroid fragments",)),
    ),
    "object": (
        ("resting on a slab of dark slate", ("dark slate surface",)),
        ("beside a sprig of fresh eucalyptus", ("eucalyptus sprig",)),
        ("with a few scattered water droplets on the surface", ("water droplets",)),
        ("casting a long, crisp shadow", ("long crisp shadow",)),
    ),
}
