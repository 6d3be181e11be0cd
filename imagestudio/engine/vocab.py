"""Words the engine understands. Plain data so the parser stays small."""
from __future__ import annotations

# sRGB 0..255. Why so many: users type colour names freely; each maps to a hue anchor.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (214, 40, 40), "crimson": (178, 18, 52), "scarlet": (232, 38, 20),
    "maroon": (120, 20, 35), "ruby": (190, 20, 70), "orange": (250, 130, 30),
    "amber": (255, 176, 20), "gold": (232, 182, 52), "golden": (232, 182, 52),
    "yellow": (250, 220, 50), "lime": (160, 220, 40), "green": (50, 160, 70),
    "emerald": (20, 150, 95), "olive": (120, 128, 50), "mint": (150, 230, 190),
    "jade": (40, 160, 120), "teal": (20, 130, 135), "cyan": (30, 210, 230),
    "aqua": (60, 220, 215), "turquoise": (50, 205, 195), "blue": (40, 95, 215),
    "azure": (60, 150, 240), "cobalt": (30, 70, 190), "sapphire": (25, 60, 160),
    "navy": (20, 32, 92), "indigo": (65, 40, 150), "purple": (125, 50, 180),
    "violet": (140, 80, 220), "lavender": (185, 160, 230), "lilac": (200, 160, 220),
    "magenta": (220, 40, 160), "fuchsia": (235, 60, 190), "pink": (245, 140, 180),
    "rose": (235, 100, 130), "coral": (250, 120, 95), "salmon": (245, 140, 115),
    "peach": (250, 190, 150), "white": (245, 245, 242), "ivory": (250, 246, 230),
    "cream": (245, 235, 205), "black": (14, 14, 18), "gray": (128, 128, 132),
    "grey": (128, 128, 132), "silver": (190, 195, 205), "charcoal": (54, 56, 62),
    "brown": (120, 75, 40), "chocolate": (90, 50, 25), "tan": (210, 180, 140),
    "beige": (225, 210, 180), "copper": (185, 100, 55), "bronze": (170, 120, 50),
    "rust": (170, 70, 30), "ochre": (200, 140, 40), "sienna": (160, 80, 45),
}

# Scene words -> canonical scene id. SCENES (public) is the tuple of canonical ids.
SCENE_WORDS: dict[str, str] = {
    "sky": "sky", "skies": "sky", "heaven": "sky", "horizon": "sky", "sunny": "sky",
    "sunset": "sunset", "sundown": "sunset", "golden hour": "sunset", "evening": "sunset",
    "sunrise": "sunrise", "dawn": "sunrise", "morning": "sunrise", "daybreak": "sunrise",
    "dusk": "dusk", "twilight": "dusk", "blue hour": "dusk",
    "night": "night", "midnight": "night", "nighttime": "night", "starry": "night",
    "moonlit": "night", "moonlight": "night", "stars": "night", "starlight": "night",
    "ocean": "ocean", "sea": "ocean", "seascape": "ocean", "beach": "ocean", "coast": "ocean",
    "shore": "ocean", "waves": "ocean", "bay": "ocean", "island": "ocean",
    "lake": "lake", "pond": "lake", "river": "lake", "water": "lake", "lagoon": "lake",
    "reflection": "lake", "reflections": "lake",
    "mountain": "mountains", "mountains": "mountains", "peak": "mountains", "peaks": "mountains",
    "alps": "mountains", "cliff": "mountains", "cliffs": "mountains", "volcano": "mountains",
    "hill": "hills", "hills": "hills", "valley": "hills", "countryside": "hills",
    "field": "hills", "fields": "hills", "landscape": "hills", "farm": "hills",
    "forest": "forest", "woods": "forest", "trees": "forest", "jungle": "forest",
    "pine": "forest", "pines": "forest", "woodland": "forest", "grove": "forest",
    "city": "city", "skyline": "city", "town": "city", "downtown": "city",
    "skyscraper": "city", "skyscrapers": "city", "buildings": "city", "metropolis": "city",
    "urban": "city", "cyberpunk": "city", "street": "city", "streets": "city",
    "alley": "city", "village": "city",
    "desert": "desert", "dune": "desert", "dunes": "desert", "sand": "desert",
    "sahara": "desert", "canyon": "desert",
    "space": "space", "cosmos": "space", "universe": "space", "outer space": "space",
    "galaxy": "galaxy", "milky way": "galaxy", "nebula": "nebula", "planet": "planet",
    "planets": "planet",
    "flower": "flowers", "flowers": "flowers", "garden": "flowers", "meadow": "flowers",
    "blossom": "flowers", "blossoms": "flowers", "roses": "flowers", "tulips": "flowers",
    "sunflowers": "flowers", "wildflowers": "flowers", "spring": "flowers",
    "snow": "snow", "snowy": "snow", "winter": "snow", "ice": "snow", "frozen": "snow",
    "arctic": "snow", "glacier": "snow", "snowfall": "snow",
    "rain": "rain", "rainy": "rain", "raining": "rain", "drizzle": "rain",
    "storm": "storm", "stormy": "storm", "thunder": "storm", "lightning": "storm",
    "thunderstorm": "storm",
    "cloud": "clouds", "clouds": "clouds", "cloudy": "clouds", "overcast": "clouds",
    "fog": "fog", "foggy": "fog", "mist": "fog", "misty": "fog", "haze": "fog",
    "aurora": "aurora", "northern lights": "aurora", "aurora borealis": "aurora",
    "abstract": "abstract", "shapes": "abstract", "pattern": "abstract",
    "geometric": "abstract", "fluid": "abstract", "swirls": "abstract", "swirl": "abstract",
    "gradient": "abstract", "marble": "abstract", "autumn": "forest", "fall foliage": "forest",
    "portrait": "portrait", "face": "portrait", "selfie": "portrait", "headshot": "portrait",
}
SCENES: tuple[str, ...] = (
    "sky", "sunset", "sunrise", "dusk", "night", "ocean", "lake", "mountains", "hills",
    "forest", "city", "desert", "space", "galaxy", "nebula", "planet", "flowers", "snow",
    "rain", "storm", "clouds", "fog", "aurora", "abstract", "portrait",
)

# Subjects drawn as stylised figures in front of the scene.
SUBJECT_WORDS: dict[str, str] = {
    "cat": "cat", "kitten": "cat", "kitty": "cat", "dog": "dog", "puppy": "dog",
    "fox": "fox", "wolf": "wolf", "rabbit": "rabbit", "bunny": "rabbit", "hare": "rabbit",
    "deer": "deer", "stag": "deer", "horse": "horse", "pony": "horse", "bird": "birds", "birds": "birds",
    "seagulls": "birds", "crows": "birds", "eagle": "birds",
    "person": "person", "man": "person", "woman": "person", "girl": "person", "boy": "person",
    "people": "person", "hiker": "person", "traveler": "person", "traveller": "person",
    "astronaut": "person", "figure": "person", "silhouette": "person",
    "house": "house", "cabin": "house", "cottage": "house", "hut": "house", "home": "house",
    "castle": "castle", "tower": "castle", "palace": "castle",
    "lighthouse": "lighthouse", "boat": "boat", "ship": "boat", "sailboat": "boat",
    "yacht": "boat", "tree": "tree", "oak": "tree", "sakura": "tree", "cherry blossom": "tree",
    "cherry tree": "tree", "moon": "moon", "sun": "sun",
}

# Negative-prompt element words -> things the composer can leave out.
ELEMENT_WORDS: dict[str, str] = {
    "moon": "moon", "stars": "stars", "star": "stars", "sun": "sun", "clouds": "clouds",
    "cloud": "clouds", "birds": "birds", "bird": "birds", "people": "person",
    "person": "person", "humans": "person", "human": "person", "figures": "person",
    "trees": "trees", "tree": "trees", "forest": "trees", "buildings": "buildings",
    "building": "buildings", "city": "buildings", "houses": "house", "house": "house",
    "water": "water", "lake": "water", "ocean": "water", "sea": "water",
    "mountains": "mountains", "mountain": "mountains", "hills": "hills",
    "snow": "snow", "rain": "rain", "fog": "fog", "mist": "fog", "haze": "fog",
    "flowers": "flowers", "flower": "flowers", "planet": "planet", "planets": "planet",
    "lights": "lights", "windows": "lights", "reflection": "reflection",
    "reflections": "reflection", "animals": "animal", "animal": "animal",
    "grain": "grain", "noise": "grain", "grainy": "grain", "vignette": "vignette",
    "blur": "blur", "blurry": "blur", "dark": "dark", "bright": "bright",
    "saturated": "saturated", "oversaturated": "saturated", "boat": "boat",
    "lightning": "lightning", "aurora": "aurora", "nebula": "nebula",
}

STYLE_WORDS: dict[str, str] = {
    "photographic": "photographic", "photo": "photographic", "photograph": "photographic",
    "photorealistic": "photographic", "realistic": "photographic", "dslr": "photographic",
    "35mm": "photographic", "cinematic": "cinematic", "film": "cinematic", "movie": "cinematic",
    "anime": "anime", "manga": "anime", "ghibli": "anime", "cel shaded": "anime",
    "digital art": "digital-art", "digital painting": "digital-art", "concept art": "digital-art",
    "illustration": "digital-art", "digital-art": "digital-art",
    "watercolor": "watercolor", "watercolour": "watercolor", "aquarelle": "watercolor",
    "oil painting": "oil-painting", "oil": "oil-painting", "impasto": "oil-painting",
    "oil-painting": "oil-painting", "painting": "oil-painting", "van gogh": "oil-painting",
    "3d": "3d-render", "3d render": "3d-render", "3d-render": "3d-render", "octane": "3d-render",
    "blender": "3d-render", "clay": "3d-render", "render": "3d-render",
    "pixel art": "pixel-art", "pixel": "pixel-art", "pixel-art": "pixel-art",
    "8-bit": "pixel-art", "8bit": "pixel-art", "16-bit": "pixel-art", "pixelated": "pixel-art",
    "line art": "line-art", "lineart": "line-art", "line-art": "line-art", "ink": "line-art",
    "coloring book": "line-art", "outline": "line-art",
    "neon": "neon", "synthwave": "neon", "vaporwave": "neon", "glowing": "neon", "cyberpunk": "neon",
    "vintage": "vintage", "retro": "vintage", "sepia": "vintage", "old photo": "vintage",
    "polaroid": "vintage", "minimal": "minimal", "minimalist": "minimal",
    "minimalism": "minimal", "flat": "minimal", "pastel": "pastel", "pastels": "pastel",
    "noir": "noir", "black and white": "noir", "monochrome": "noir", "b&w": "noir",
    "grayscale": "noir", "greyscale": "noir",
    "low poly": "low-poly", "lowpoly": "low-poly", "low-poly": "low-poly", "polygonal": "low-poly",
    "sketch": "sketch", "pencil": "sketch", "drawing": "sketch", "charcoal": "sketch",
    "sketched": "sketch",
}

STYLE_PRESETS: dict[str, str] = {
    "photographic": "Photographic", "cinematic": "Cinematic", "anime": "Anime",
    "digital-art": "Digital art", "watercolor": "Watercolor", "oil-painting": "Oil painting",
    "3d-render": "3D render", "pixel-art": "Pixel art", "line-art": "Line art",
    "neon": "Neon", "vintage": "Vintage", "minimal": "Minimal", "pastel": "Pastel",
    "noir": "Noir", "low-poly": "Low poly", "sketch": "Sketch",
}

MOOD_WORDS: frozenset[str] = frozenset({
    "calm", "serene", "peaceful", "tranquil", "quiet", "dramatic", "epic", "moody", "dark",
    "gloomy", "bright", "happy", "cheerful", "mysterious", "eerie", "spooky", "dreamy",
    "magical", "warm", "cold", "cozy", "vibrant", "melancholic", "sad", "lonely", "ethereal",
    "surreal", "majestic", "soft", "fantasy", "colorful", "colourful", "vivid", "gentle",
})

# Words that say nothing about the picture; excluded from the stable word-hue palette.
STOPWORDS: frozenset[str] = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "over", "under", "with", "and", "or", "by", "to",
    "from", "for", "into", "onto", "near", "above", "below", "behind", "beside", "between",
    "through", "across", "is", "are", "was", "be", "its", "it", "this", "that", "these", "those",
    "very", "some", "many", "few", "lots", "lot", "style", "art", "image", "picture", "photo",
    "scene", "view", "background", "high", "quality", "detailed", "highly", "ultra", "4k", "8k",
    "hd", "masterpiece", "beautiful", "best", "trending",
})
